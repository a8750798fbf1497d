"""The ladder on the real event log: each seat's sharing notice, decided, recorded
and cached.

Hot path: a signed-in reader costs two cache reads (their seat id, the seat's state
under its version) and no query. The version moves on every takeover (``lease_taken_over``,
after "continue reading here") and every password or plan change (``receivers``).
Anonymous readers cost nothing at all.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction

from kiosco.insights import app_settings
from kiosco.insights.ladder import Decision, Facts, decide
from kiosco.insights.log import KINDS, takeovers_from_rows
from kiosco.leases.models import Event
from kiosco.readers import events
from kiosco.readers.models import SecurityEvent
from kiosco.readers.snapshot import forget_reader
from kiosco.subscriptions.models import Seat

PASSWORD_TAGS = ("account:password:changed", "account:password:reset")
PLAN_TAGS = ("subscription:plan:changed",)
RESET_TAGS = PASSWORD_TAGS + PLAN_TAGS
NOTICE_ON = "insights:notice:shown"
NOTICE_OFF = "insights:notice:cleared"


def facts_for_seat(seat: Seat, now: float) -> Facts:
    """What the log says of this seat: takeovers since the longest a notice can
    matter (window + quiet), each with the displaced device's idle as best known,
    and the holder's latest password and plan changes."""
    policy = app_settings.policy()
    # The takeovers and the displaced devices' own reports (``log`` combines them).
    rows = Event.objects.filter(
        seat=seat.pk, kind__in=KINDS, at__gt=now - policy.window - policy.quiet
    ).values(
        "kind", "at", "seat", "slot", "generation", "idle_of_displaced", "device", "from_device"
    )
    return Facts(
        now,
        takeovers_from_rows(rows),
        upgraded_at=_latest(_owner_of(seat), PLAN_TAGS),
        password_changed_at=_latest(seat.holder_id, PASSWORD_TAGS),
    )


def _owner_of(seat: Seat) -> int | None:
    return seat.subscription.owner_reader_id or seat.holder_id


def _latest(reader_id: int | None, tags: tuple[str, ...]) -> float | None:
    if reader_id is None:
        return None
    found = (
        SecurityEvent.objects.filter(reader_id=reader_id, tag__in=tags)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return found.timestamp() if found is not None else None


def decide_for_seat(seat: Seat, now: float | None = None) -> Decision:
    """Run the ladder for this seat now, and record the decision when it changed."""
    decision = decide(
        facts_for_seat(seat, time.time() if now is None else now), app_settings.policy()
    )
    record_if_changed(seat, decision)
    return decision


def record_if_changed(seat: Seat, decision: Decision) -> None:
    """Every turn of the notice (on, or cleared) is an event with its reasons and the
    collisions that counted, so a publisher (and the reader's data export) can see why."""
    last = (
        SecurityEvent.objects.filter(tag__in=(NOTICE_ON, NOTICE_OFF), data__seat=seat.pk)
        .order_by("-id")
        .values_list("tag", flat=True)
        .first()
    )
    tag = NOTICE_ON if decision.notice else NOTICE_OFF
    if last == tag or (last is None and not decision.notice):
        return
    holder = seat.holder
    with transaction.atomic():
        events.record(
            tag,
            reader=holder,
            seat=seat.pk,
            reasons=list(decision.reasons),
            collisions=[asdict(t) for t in decision.counted],
        )


# --- the cached state the notice reads --------------------------------------------------
def seat_of(reader_id: int) -> int | None:
    """The reader's seat id, cached briefly: the notice is advice, not access, so a
    seat revoked a minute ago may show a stale notice once (never a stale article)."""
    key = f"insights:reader:{reader_id}:seat"
    seat_id = cache.get(key)
    if seat_id is None:
        seat_id = Seat.objects.filter(holder_id=reader_id).values_list("id", flat=True).first() or 0
        cache.set(key, seat_id, 60)
    return seat_id or None


def invalidate_reader(reader_id: int) -> None:
    """A takeover, a password or a plan change: the seat(s) of this reader and the
    seats they own move to a new version."""
    seats = Seat.objects.filter(holder_id=reader_id).values_list("id", flat=True)
    owned = Seat.objects.filter(subscription__owner_reader_id=reader_id).values_list(
        "id", flat=True
    )
    for seat_id in {*seats, *owned}:
        try:
            cache.incr(_version_key(seat_id))
        except ValueError:  # no version yet: any fresh value differs from the default
            cache.set(_version_key(seat_id), int(time.time() * 1000), None)
    # The notice rides in the snapshots of the seats' holders (insights/snapshot.py).
    forget_reader(reader_id)
    for holder_id in Seat.objects.filter(pk__in=owned).values_list("holder_id", flat=True):
        forget_reader(holder_id)


def _version_key(seat_id: int) -> str:
    return f"insights:seat:{seat_id}:version"


def notice_for_seat(seat_id: int) -> Decision:
    """The seat's ladder state, cached under its version (moved by every takeover
    through ``lease_taken_over`` and every password or plan change through ``receivers``);
    a notice that would clear by quiet time is recomputed once ``until`` passes."""
    key = f"insights:seat:{seat_id}:ladder:{cache.get(_version_key(seat_id), 0)}"
    cached = cache.get(key)
    now = time.time()
    if cached is not None and (cached.until is None or cached.until > now):
        return cached  # type: ignore[no-any-return]
    seat = Seat.objects.select_related("subscription", "holder").get(pk=seat_id)
    decision = decide_for_seat(seat, now)
    cache.set(key, decision, app_settings.CACHE_SECONDS)
    return decision


def when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def notice_context(request: Any, reader: Any, decision: Decision) -> dict[str, Any]:
    """What the banner shows: the dialog's choices, and the collisions that counted."""
    from kiosco.paywall.services import dialog_links
    from kiosco.readers.services import device_label_of
    from kiosco.subscriptions.services.entitlements import entitlements_for

    def label(device: str) -> str:
        return device_label_of(reader.pk, device)

    collisions = [
        {"at": when(t.at), "device": label(t.device), "from_device": label(t.from_device)}
        for t in decision.counted
    ]
    return {"collisions": collisions, **dialog_links(request, entitlements_for(reader))}
