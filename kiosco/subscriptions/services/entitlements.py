"""What a reader may read: decided here and nowhere else.

The rule reads only a subscription's status and dates (``grants_access``); every other
part of Kiosco — pages, the paywall, the API, the lease engine's seat lookup — asks
:func:`entitlements_for` or :func:`reader_may_read`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from kiosco.subscriptions.models import Seat, Subscription

Status = Subscription.Status


def grants_access(
    status: str, period_end: datetime, grace_until: datetime | None, now: datetime
) -> bool:
    """The entitlement rule. Trialing and active read until the period ends; past due
    reads until its grace period ends (a payment that failed at the end of a period
    still earns its grace days); canceled runs to the end of the period it was paid
    for; expired never reads."""
    if status in (Status.TRIALING, Status.ACTIVE, Status.CANCELED):
        return now < period_end
    if status == Status.PAST_DUE:
        return grace_until is not None and now < grace_until
    return False


@dataclass(frozen=True)
class Entitlements:
    """What one reader may do now. ``seat_id`` keys the reader's leases."""

    can_read_subscriber_content: bool = False
    seat_id: int | None = None
    devices_per_seat: int = 0
    plan_code: str | None = None
    organisation_name: str | None = None
    subscription_id: int | None = None
    status: str | None = None
    is_owner: bool = False
    # When ``can_read_subscriber_content`` turns by time alone (a period or a grace
    # period ending): a cached copy is good until then (kiosco/subscriptions/snapshot.py).
    turns_at: datetime | None = None


NOTHING = Entitlements()


def entitlements_for(reader: Any, now: datetime | None = None) -> Entitlements:
    """One query: the reader's seat, its subscription and plan. Not cached, so a
    revoked seat stops reading on the very next request."""
    if reader is None or not getattr(reader, "is_authenticated", False):
        return NOTHING
    seat = (
        Seat.objects.select_related("subscription__plan", "subscription__organisation")
        .filter(holder_id=reader.pk)
        .first()
    )
    if seat is None:
        return NOTHING
    sub = seat.subscription
    now = now or timezone.now()
    allowed = grants_access(sub.status, sub.current_period_end, sub.grace_until, now)
    return Entitlements(
        can_read_subscriber_content=allowed,
        seat_id=seat.pk if allowed else None,
        devices_per_seat=sub.plan.devices_per_seat if allowed else 0,
        plan_code=sub.plan.code,
        organisation_name=sub.organisation.name if sub.organisation else None,
        subscription_id=sub.pk,
        status=sub.status,
        is_owner=sub.owner_reader_id == reader.pk,
        turns_at=_turns_at(sub.status, sub.current_period_end, sub.grace_until, now),
    )


def _turns_at(
    status: str, period_end: datetime, grace_until: datetime | None, now: datetime
) -> datetime | None:
    """When ``grants_access`` would answer otherwise with no change but time."""
    ends = grace_until if status == Status.PAST_DUE else period_end
    if status == Status.EXPIRED or ends is None or ends <= now:
        return None
    return ends


def reader_may_read(reader: Any, article: Any) -> bool:
    """The ``KIOSCO_ENTITLEMENT_CHECK`` hook for subscriber-only articles. Every
    subscriber-only article is in every plan today, so ``article`` is not consulted."""
    return entitlements_for(reader).can_read_subscriber_content
