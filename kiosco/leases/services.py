"""Lease services: the Django-facing entry points to ``kiosco.leases.engine``.

Views, the API and other apps call these; only they touch leases. The store is the
SQL store on Django's connection (the database is the lease authority); notices are
handed to the configured notifier only after the surrounding transaction commits.

The release paths run inside the caller's transaction when there is one (a password
change frees the leases in the same commit). Under REPEATABLE READ such a
transaction cannot write a slot row changed since its snapshot: every retry inside
it loses. Then the release is done again right after the caller commits, in a
transaction of its own — the lease is gone a moment later, never left behind.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from functools import lru_cache, partial

from django.db import transaction
from django.dispatch import Signal
from django.utils.module_loading import import_string

from kiosco.leases import app_settings, hints
from kiosco.leases.engine import (
    Device,
    Displaced,
    Engine,
    Notice,
    Refused,
    Released,
    Result,
    Seat,
)
from kiosco.leases.notifiers import Notifier
from kiosco.leases.stores.connections import DjangoDatabase
from kiosco.leases.stores.sql import SqlStore
from kiosco.leases.tokens import read_token

IDLE_CAP = 24 * 60 * 60.0  # a day: idle for longer reads as idle for a day
log = logging.getLogger("kiosco.leases")


@lru_cache(maxsize=1)
def notifier() -> Notifier:
    """The configured transport (``KIOSCO_LEASE_NOTIFIER``), one per process."""
    return import_string(app_settings.notifier_path())()  # type: ignore[no-any-return]


def publish_on_commit(notice: Notice) -> None:
    # robust: a notifier that is down must not turn a committed takeover into an error.
    on_commit_robust(notifier().publish, notice)


def on_commit_robust(callback: Callable[..., object], *args: object) -> None:
    """``callback(*args)`` after commit; if it fails, the failure is logged and the
    request goes on. Never a ``functools.partial`` for that: Django 5.2 logs a failing
    robust callback by its ``__qualname__``, which a partial lacks, and the
    AttributeError escapes — a 500 after a committed takeover, seen with the notifier
    or the database down right after the commit."""

    def after_commit() -> None:
        callback(*args)

    after_commit.__qualname__ = getattr(callback, "__qualname__", type(callback).__name__)
    transaction.on_commit(after_commit, robust=True)


def _device(reader_id: int, device_id: str, idle: float) -> Device:
    # The page reports idle seconds; clamp what a broken or hostile client might send
    # (negative, NaN, infinite) into the range the rules understand.
    seconds = float(idle) if math.isfinite(idle) else IDLE_CAP
    return Device(reader_id, device_id, min(max(0.0, seconds), IDLE_CAP))


@lru_cache(maxsize=1)
def store() -> SqlStore:
    """The SQL store on Django's default connection (it finds each thread's own)."""
    return SqlStore(DjangoDatabase())


def engine() -> Engine:
    return Engine(hints.HintingStore(store()), app_settings.policy(), notify=publish_on_commit)


def check_lease(
    seat_id: int, slots: int, reader_id: int, device_id: str, idle: float, token: str | None
) -> Result:
    """Page view or heartbeat: Held, or a silent Acquired, or Busy/Displaced. A device
    that holds costs one read and no write (unless a renewal is due) — and no read
    while a held hint vouches for it (``hints``: from the request's cache batch)."""
    seat, parsed = Seat(seat_id, slots), read_token(token, device_id)
    vouched = hints.held(seat, parsed)
    if vouched is not None:
        return vouched
    seen, policy = hints.HintingStore(store()), app_settings.policy()
    result = Engine(seen, policy, notify=publish_on_commit).check(
        seat, _device(reader_id, device_id, idle), parsed
    )
    hints.remember(result, seen, policy)
    return _told_if_displaced(result, seat_id, reader_id)


def hint_keys(cookie: str | None, device_id: str | None) -> list[str]:
    """The cache keys that may vouch for the lease this cookie names (the hot batch)."""
    return hints.keys_for(cookie, device_id)


def acquire_lease(
    seat_id: int, slots: int, reader_id: int, device_id: str, idle: float, token: str | None
) -> Result:
    """The same as ``check_lease`` (the engine's ``check`` is ``acquire``)."""
    return check_lease(seat_id, slots, reader_id, device_id, idle, token)


def _after_takeover(told: list[Notice], seat_id: int, reader_id: int) -> None:
    try:
        for notice in told:
            notifier().publish(notice)
    finally:  # a notifier that is down must not hide the takeover from the notice ladder
        lease_taken_over.send(sender=Engine, seat_id=seat_id, reader_id=reader_id)


# Sent after the commit of a takeover that displaced a device, with ``seat_id`` and
# ``reader_id`` (the taker): higher apps (insights' sharing notice) connect in ready().
lease_taken_over = Signal()


def take_over_lease(
    seat_id: int, slots: int, reader_id: int, device_id: str, idle: float, token: str | None
) -> Result:
    """The reader pressed "continue reading here"."""
    me = _device(reader_id, device_id, idle)
    told: list[Notice] = []
    taker = Engine(hints.HintingStore(store()), app_settings.policy(), notify=told.append)
    result = taker.take_over(Seat(seat_id, slots), me, read_token(token, device_id))
    if told:  # one callback after commit: the notices, then the signal
        on_commit_robust(_after_takeover, told, seat_id, reader_id)
    return result


def renew_lease(
    token: str | None, reader_id: int, device_id: str, idle: float, slots: int | None = None
) -> Result:
    """Renew by token (written only when less than half the TTL is left). Pass the
    seat's current ``slots`` when known: a lease on a slot past it (after a downgrade)
    is then freed instead of renewed."""
    parsed = read_token(token, device_id)
    if parsed is None:
        return Refused("bad_token")
    result = engine().renew(parsed, _device(reader_id, device_id, idle), slots)
    return _told_if_displaced(result, parsed.seat, reader_id)


# Sent after commit when a device is answered ``Displaced``, with ``seat_id``,
# ``reader_id`` (the displaced device's) and ``taken_at``: the engine logged the idle
# the displaced page reported, which the sharing ladder reads (insights connects).
lease_displaced_answered = Signal()


def _told_if_displaced(result: Result, seat_id: int, reader_id: int) -> Result:
    if isinstance(result, Displaced):
        on_commit_robust(_after_displaced, seat_id, reader_id, result.at)
    return result


def _after_displaced(seat_id: int, reader_id: int, taken_at: float) -> None:
    lease_displaced_answered.send(
        sender=Engine, seat_id=seat_id, reader_id=reader_id, taken_at=taken_at
    )


def release_lease(
    token: str | None, device_id: str, reason: str = "released"
) -> Released | Refused:
    """The page went away (pagehide, put away): free the slot for the next device."""
    parsed = read_token(token, device_id)
    if parsed is None:
        return Refused("bad_token")
    return engine().release(parsed, reason)


def release_all_for_reader(reader_id: int, reason: str) -> int:
    """Release every lease any device of this reader holds. Returns how many."""
    return _released(lambda: engine().release_all(reader_id, reason))


def release_device(reader_id: int, device_id: str, reason: str) -> int:
    """Release the leases one device of this reader holds. Returns how many."""
    return _released(lambda: engine().release_device(reader_id, device_id, reason))


def release_seat(seat_id: int, reason: str) -> int:
    """Release every lease on one seat (revocation, end of subscription)."""
    return _released(lambda: engine().release_seat(seat_id, reason))


def shrink_seat(seat_id: int, slots: int) -> int:
    """The seat's plan now allows ``slots`` devices (a downgrade): free the slots past
    them now, each holder told (reason ``seat_shrunk``). Returns how many."""
    return _released(lambda: engine().shrink(seat_id, slots))


def _released(release: Callable[[], Released | Refused]) -> int:
    """How many leases ``release`` freed. If it lost every race inside the caller's
    transaction (its snapshot is older than the rows: REPEATABLE READ), it runs
    again once that transaction commits."""
    result = release()
    if isinstance(result, Released):
        return result.count
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(partial(_release_after_commit, release))
    return 0


def _release_after_commit(release: Callable[[], Released | Refused]) -> None:
    if isinstance(release(), Refused):
        log.error("lease release: lost every race again after commit; the TTL ends it")


def takeovers_allowed_again_at(seat_id: int) -> float:
    """When the seat's takeover limit lets the next "continue reading here" through
    (store clock, seconds since the epoch): once the oldest takeover counted in the
    window has left it. The dialog tells a refused reader this time."""
    from kiosco.leases.models import Event

    policy = app_settings.policy()
    now, _ = store().read_seat(seat_id)
    counted = (
        Event.objects.filter(seat=seat_id, kind="taken_over", at__gt=now - policy.takeover_window)
        .order_by("-at")
        .values_list("at", flat=True)[: policy.takeovers]
    )
    return min(counted, default=now - policy.takeover_window) + policy.takeover_window
