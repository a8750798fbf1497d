"""Held hints: a device that holds its lease is told so from the cache, without a read
of the lease table, while the database's last answer cannot have changed.

The database stays the only authority (engine.py's race model). A check that read
the slot rows and answered ``Held`` without writing leaves a *hint* in Redis: "slot
(seat, slot) was held at generation G, and no write is due before T" — T the earlier
of "less than half the TTL left" and "stored input older than half the idle limit",
by the store's clock, less a margin, and at most ``HINT_SECONDS``. The hint lives
exactly that long (Redis expires it: a duration, never an app clock), so while it is
there the engine, asked again, would read the same rows and answer ``Held`` again
without writing. The page's next check reads the hint in the request's one cache
round trip (``kiosco.lib.hot``) and skips the lease read.

Every change of holder (a claim, a takeover, a release, a shrink) gives the slot a new
generation G' and *fences* it: ``lease-gen:{seat}:{slot}`` is raised to G' (never
lowered: a Lua compare, so two changes landing out of order keep the higher one),
once right after the write's statement, before its commit, and again after commit.
A hint counts only while the fence is not past its generation, so from before the
change is visible no hint vouches for the old holder, and a check that read the rows
just before and wrote its hint just after is ignored. Only a request that had already
read its cache batch answers ``Held`` once more: what it would have answered a moment
earlier (and the displaced page is told at once anyway, the notice). A change rolled
back leaves its fence up: that device's hints are ignored until the fence expires
(``FENCE_SECONDS``), which costs lease reads, never a wrong answer. If Redis drops a
fence (a failover losing the last writes), a hint already there lasts at most
``HINT_SECONDS``.

Only with Redis (``KIOSCO_LEASE_HINTS``): without it the cache is each process's own
memory, which another process's fence would never reach.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from django.conf import settings
from django.core.cache import cache as default_cache
from django.db import transaction
from redis import RedisError

from kiosco.leases.results import Held, Lease, Policy, Result, Seat, Token
from kiosco.leases.stores import Claim, Event, LeaseStore, SlotState
from kiosco.leases.tokens import read_token
from kiosco.lib import hot

HINT_SECONDS = 30.0  # the longest a hint lives, whatever the lease's timings allow
MARGIN = 1.0  # a hint ends this long before the engine would write again
FENCE_SECONDS = 600  # far longer than any hint, or any check in flight
log = logging.getLogger("kiosco.leases")

# Raise a fence, never lower it: KEYS[1] the fence, ARGV[1] the generation, ARGV[2] ms.
# (Django's Redis cache stores an int as its digits, so the hot batch reads it as one.)
_RAISE = """
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
"""


def enabled() -> bool:
    return bool(getattr(settings, "KIOSCO_LEASE_HINTS", False))


def hint_key(seat: int, slot: int, generation: int) -> str:
    return f"lease-ok:{seat}:{slot}:{generation}"


def fence_key(seat: int, slot: int) -> str:
    return f"lease-gen:{seat}:{slot}"


def keys_for(cookie: str | None, device: str | None) -> list[str]:
    """The hot batch's keys for a device carrying this lease cookie (none without one)."""
    if not enabled() or not cookie or not device:
        return []
    token = read_token(cookie, device)
    if token is None:
        return []
    return [hint_key(token.seat, token.slot, token.generation), fence_key(token.seat, token.slot)]


def held(seat: Seat, token: Token | None) -> Held | None:
    """``Held`` when a live hint vouches for this token on this seat; else None (ask
    the engine)."""
    if not enabled() or token is None or token.seat != seat.id or token.slot >= seat.slots:
        return None
    hint = hot.get(hint_key(token.seat, token.slot, token.generation))
    if not isinstance(hint, tuple) or len(hint) != 2:
        return None
    fence = hot.get(fence_key(token.seat, token.slot))
    if isinstance(fence, int) and fence > token.generation:
        return None  # the slot changed holder since the hint was written
    holder, expires_at = hint
    return Held(Lease(token.seat, token.slot, token.generation, token.device, holder, expires_at))


def lifetime(row: SlotState, now: float, policy: Policy) -> float:
    """How long a hint for ``row``, read at the store's ``now``, may live: until less
    than half the TTL is left or the stored input is older than half the idle limit
    (when the engine would write again), less ``MARGIN``, at most ``HINT_SECONDS``;
    0 when that is already past."""
    assert row.expires_at is not None and row.input_at is not None
    due = min(row.expires_at - policy.ttl / 2, row.input_at + policy.idle / 2)
    return max(0.0, min(due - now - MARGIN, HINT_SECONDS))


def remember(result: Result, seen: HintingStore, policy: Policy) -> None:
    """After the engine answered ``Held`` with the lease exactly as its last read
    found it (no renewal written since), leave a hint that lasts until the engine
    would write again (``lifetime``)."""
    if not enabled() or not isinstance(result, Held) or seen.read is None:
        return
    now, rows = seen.read
    lease = result.lease
    row = next((r for r in rows if r.slot == lease.slot and r.device == lease.device), None)
    if row is None or row.input_at is None or row.lease() != lease:
        return
    # Whatever this request waited for since its read counts against the hint.
    seconds = lifetime(row, now, policy) - (time.monotonic() - seen.read_at)
    if seconds >= 1:  # the cache counts whole seconds (rounded down)
        hot.put(
            hint_key(lease.seat, lease.slot, lease.generation),
            (lease.reader, lease.expires_at),
            seconds,
        )


def fence(rows: Sequence[SlotState]) -> None:
    """These slots changed holder: no hint for an older generation counts any more.
    Now (inside the write's transaction) and again after it commits."""
    if not enabled() or not rows:
        return
    marks = [(row.seat, row.slot, row.generation) for row in rows]
    _raise_fences(marks)
    transaction.on_commit(lambda: _raise_fences(marks), robust=True)


def _raise_fences(marks: list[tuple[int, int, int]]) -> None:
    try:
        script = _script()
        for seat, slot, generation in marks:
            key = default_cache.make_and_validate_key(fence_key(seat, slot))
            script(keys=[key], args=[generation, FENCE_SECONDS * 1000])
    except RedisError as exc:  # a hint already there lasts HINT_SECONDS at most
        log.warning("lease hints: could not raise a fence: %r", exc)


def _script() -> Any:
    client = default_cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    return client.register_script(_RAISE)


class HintingStore:
    """The store as one engine uses it: each change of holder raises that slot's
    fence (``fence``), and the last read is kept, with when it came back, for
    ``remember``. Built per engine; everything else is passed on."""

    def __init__(self, store: LeaseStore) -> None:
        self.store = store
        self.read: tuple[float, list[SlotState]] | None = None
        self.read_at = 0.0

    def read_seat(self, seat: int) -> tuple[float, list[SlotState]]:
        self.read = self.store.read_seat(seat)
        self.read_at = time.monotonic()
        return self.read

    def claim(self, claim: Claim) -> SlotState | None:
        new = self.store.claim(claim)
        if new is not None:
            fence([new])
        return new

    def vacate(self, seat: int, slot: int, generation: int, device: str) -> SlotState | None:
        row = self.store.vacate(seat, slot, generation, device)
        if row is not None:
            fence([row])
        return row

    def vacate_where(self, **where: Any) -> list[SlotState]:
        rows = self.store.vacate_where(**where)
        fence(rows)
        return rows

    # --- passed on as they are ------------------------------------------------------
    def create_slots(self, seat: int, count: int) -> None:
        self.store.create_slots(seat, count)

    def renew(
        self, seat: int, slot: int, generation: int, device: str, idle: float, ttl: float
    ) -> SlotState | None:
        return self.store.renew(seat, slot, generation, device, idle, ttl)

    def count_events(self, seat: int, kind: str, since: float, limit: int) -> int:
        return self.store.count_events(seat, kind, since, limit)

    def append(self, events: Sequence[Event]) -> None:
        self.store.append(events)

    def append_once(self, event: Event) -> None:
        self.store.append_once(event)

    def atomic(self) -> AbstractContextManager[None]:
        return self.store.atomic()
