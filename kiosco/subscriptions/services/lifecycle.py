"""A subscription's life: start, resize, change plan, renew, fall behind, cancel, expire.

Every function here runs inside the caller's transaction with the subscription row
locked (``lock``), so two changes to one subscription never interleave.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kiosco.leases.services import release_seat, shrink_seat
from kiosco.readers.events import record
from kiosco.readers.snapshot import forget_reader
from kiosco.subscriptions.events import SubscriptionTag
from kiosco.subscriptions.models import Organisation, Plan, Seat, Subscription
from kiosco.subscriptions.services.mail import send_after_commit, tell_owner_of_change

Status = Subscription.Status
_PERIOD_DAYS: dict[str, int] = {Plan.Period.MONTH: 30, Plan.Period.YEAR: 365}


def period_after(start: datetime, plan: Plan) -> datetime:
    return start + timedelta(days=_PERIOD_DAYS.get(plan.billing_period, 30))


def lock(subscription: Subscription) -> Subscription:
    """Re-read the row FOR UPDATE: the caller holds it until its transaction ends."""
    return Subscription.objects.select_for_update().select_related("plan").get(pk=subscription.pk)


@transaction.atomic
def start_subscription(
    plan: Plan,
    *,
    reader: Any = None,
    organisation: Organisation | None = None,
    seats: int | None = None,
    provider: str = "demo",
    status: str = Status.ACTIVE,
    period_end: datetime | None = None,
    external_id: str | None = None,
    now: datetime | None = None,
    first_holder: Any = None,
) -> Subscription:
    """Create the subscription and its seats. A reader owner takes the first seat; an
    organisation's first seat goes to ``first_holder`` (the admin who bought it)."""
    now = now or timezone.now()
    subscription = Subscription.objects.create(
        plan=plan,
        owner_reader=reader if organisation is None else None,
        organisation=organisation,
        status=status,
        seats=seats or plan.seats,
        current_period_start=now,
        current_period_end=period_end or period_after(now, plan),
        provider=provider,
        external_id=external_id,
    )
    Seat.objects.bulk_create(
        Seat(subscription=subscription, number=n) for n in range(1, subscription.seats + 1)
    )
    holder = reader if organisation is None else first_holder
    if holder is not None:
        Seat.objects.filter(subscription=subscription, number=1).update(holder=holder, taken_at=now)
        forget_reader(holder.pk)  # an update sends no signal: the holder's pages read again
    record(SubscriptionTag.STARTED, reader=reader, subscription=subscription.pk, plan=plan.code)
    tell_owner_of_change(subscription, "started")
    return subscription


def set_seat_count(subscription: Subscription, seats: int, reason: str) -> list[int]:
    """Open or close seats so the subscription has ``seats``. Closing prefers empty
    seats, then the newest; the owner's seat never closes. Returns closed seat ids."""
    seats = max(seats, 1)
    current = list(Seat.objects.filter(subscription=subscription).order_by("number"))
    if seats > len(current):
        top = current[-1].number if current else 0
        Seat.objects.bulk_create(
            Seat(subscription=subscription, number=top + n)
            for n in range(1, seats - len(current) + 1)
        )
    closing = _seats_to_close(subscription, current, len(current) - seats)
    for seat in closing:
        close_seat(seat, reason)
    subscription.seats = seats
    subscription.save(update_fields=["seats"])
    return [seat.pk for seat in closing]


def _seats_to_close(subscription: Subscription, seats: list[Seat], count: int) -> list[Seat]:
    if count <= 0:
        return []
    owner = subscription.owner_reader_id
    candidates = [s for s in seats if not (owner and s.holder_id == owner)]
    # Empty seats close first, then the newest occupied ones.
    candidates.sort(key=lambda s: (s.holder_id is not None, -s.number))
    return candidates[:count]


def close_seat(seat: Seat, reason: str) -> None:
    """Remove a seat: its leases end now and its reader is told by email."""
    holder = seat.holder
    release_seat(seat.pk, reason)
    seat.delete()
    if holder is not None:
        record(SubscriptionTag.SEAT_CLOSED, reader=holder, seat=seat.pk, reason=reason)
        send_after_commit(holder.email, "seat_closed", {"reason": reason}, holder.language)


def vacate_seat(seat: Seat, reason: str) -> bool:
    """Empty a seat (revocation, expiry): access ends at once, leases released.

    Compare-and-set on the holder the caller read: if the seat changed hands since,
    nothing happens and False comes back — the new holder is never evicted by a
    decision taken about the old one."""
    emptied = Seat.objects.filter(pk=seat.pk, holder_id=seat.holder_id).update(
        holder=None, taken_at=None
    )
    if emptied != 1:
        return False
    forget_reader(seat.holder_id)  # an update sends no signal: the holder's pages read again
    release_seat(seat.pk, reason)
    return True


def change_plan_now(subscription: Subscription, plan: Plan) -> Subscription:
    """Upgrade in place: same subscription, new plan, extra seats open now."""
    subscription = lock(subscription)
    old = subscription.plan
    subscription.plan = plan
    subscription.pending_plan = None
    subscription.save(update_fields=["plan", "pending_plan"])
    set_seat_count(subscription, max(subscription.seats, plan.seats), "upgrade")
    apply_devices_per_seat(subscription, old)
    record(
        SubscriptionTag.PLAN_CHANGED, reader=subscription.owner_reader, old=old.code, new=plan.code
    )
    tell_owner_of_change(subscription, "plan_changed")
    return subscription


def apply_devices_per_seat(subscription: Subscription, old: Plan) -> None:
    """Fewer devices per seat on the new plan: each seat's extra leases end now, in
    this transaction (their devices told after commit), so no seat is ever read on
    more devices than its plan allows — not even until its next page view."""
    devices = subscription.plan.devices_per_seat
    if devices >= old.devices_per_seat:
        return  # more (or as many) slots: the engine opens them on the next read
    for seat_id in Seat.objects.filter(subscription=subscription).values_list("pk", flat=True):
        shrink_seat(seat_id, devices)


def schedule_downgrade(subscription: Subscription, plan: Plan) -> Subscription:
    """Downgrade at the period's end; until then every seat keeps reading."""
    subscription = lock(subscription)
    subscription.pending_plan = plan
    subscription.save(update_fields=["pending_plan"])
    record(SubscriptionTag.DOWNGRADE_SCHEDULED, reader=subscription.owner_reader, plan=plan.code)
    tell_owner_of_change(subscription, "downgrade_scheduled", new_plan=plan)
    return subscription


def start_new_period(subscription: Subscription, start: datetime, end: datetime) -> None:
    """Renewal: a pending downgrade takes effect (closing extra seats), then active."""
    if subscription.pending_plan is not None:
        old = subscription.plan
        subscription.plan = subscription.pending_plan
        subscription.pending_plan = None
        subscription.save(update_fields=["plan", "pending_plan"])
        set_seat_count(subscription, subscription.plan.seats, "downgrade")
        apply_devices_per_seat(subscription, old)
    subscription.status = Status.ACTIVE
    subscription.grace_until = None
    subscription.current_period_start = start
    subscription.current_period_end = end
    subscription.save(
        update_fields=["status", "grace_until", "current_period_start", "current_period_end"]
    )


def mark_past_due(subscription: Subscription, now: datetime) -> None:
    """A failed payment: readers keep reading through the grace period."""
    if subscription.status == Status.PAST_DUE:
        return  # a second failure does not extend the grace period
    subscription.status = Status.PAST_DUE
    subscription.grace_until = now + timedelta(days=settings.KIOSCO_PAST_DUE_GRACE_DAYS)
    subscription.save(update_fields=["status", "grace_until"])


def cancel(subscription: Subscription) -> None:
    """Canceled runs to the end of the period already paid for."""
    subscription.status = Status.CANCELED
    subscription.pending_plan = None
    subscription.save(update_fields=["status", "pending_plan"])
    record(SubscriptionTag.CANCELED, reader=subscription.owner_reader, subscription=subscription.pk)
    tell_owner_of_change(subscription, "canceled")


def expire(subscription: Subscription) -> None:
    """The end: every seat is vacated and its leases released."""
    subscription.status = Status.EXPIRED
    subscription.save(update_fields=["status"])
    for seat in Seat.objects.filter(subscription=subscription):
        vacate_seat(seat, "subscription_ended")
    record(SubscriptionTag.EXPIRED, reader=subscription.owner_reader, subscription=subscription.pk)


def roll_over_periods(now: datetime | None = None) -> int:
    """Run by ``kiosco roll-subscriptions`` (or a periodic task): the demo provider
    renews by itself; lapsed canceled and past-due subscriptions expire. External
    providers renew through their events. Returns how many subscriptions changed."""
    now = now or timezone.now()
    candidates = (
        Subscription.objects.filter(
            Q(current_period_end__lte=now) | Q(status=Status.PAST_DUE, grace_until__lte=now)
        )
        .exclude(status=Status.EXPIRED)
        .order_by("pk")
    )
    changed = 0
    # One transaction per subscription, re-judged under its lock: a run killed midway
    # keeps what it committed, and the next run (or one running beside it) finds those
    # subscriptions no longer due and changes nothing twice.
    for candidate in list(candidates):
        with transaction.atomic():
            changed += _roll_over(lock(candidate), now)
    return changed


def _roll_over(subscription: Subscription, now: datetime) -> int:
    if subscription.status == Status.PAST_DUE:
        if subscription.grace_until and subscription.grace_until <= now:
            expire(subscription)
            return 1
        return 0
    if subscription.current_period_end > now:
        return 0
    if subscription.status == Status.CANCELED:
        expire(subscription)
        return 1
    if subscription.provider == "demo":
        start_new_period(subscription, *_period_containing(subscription, now))
        return 1
    return 0


def _period_containing(subscription: Subscription, now: datetime) -> tuple[datetime, datetime]:
    """The renewed period that contains ``now``. A roll-over that did not run for two
    periods renews once, up to now — not one period per run, which a rerun after a
    crash would take for a second renewal of what the crashed run had renewed."""
    plan = subscription.pending_plan or subscription.plan  # the plan the new period runs
    start = subscription.current_period_end
    end = period_after(start, plan)
    while end <= now:
        start, end = end, period_after(end, plan)
    return start, end
