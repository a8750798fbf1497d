"""Apply billing events (from the webhook or Stripe) to subscriptions.

Every event is stored first — unique by (provider, event id), so a redelivery or a
replay changes nothing — and then the subscription's stored-but-unapplied events are
merged as snapshots by field recency (``billing_snapshot``): whatever the delivery
order, the subscription ends in the same state. An event older than the newest one
still counts for the fields nobody newer carried (a late renewal's period end); an
event for a subscription that does not exist yet waits until its ``created`` arrives.
Nothing is lost: every row stays.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from kiosco.readers.models import Reader, normalise_email
from kiosco.subscriptions.billing.base import BillingChange
from kiosco.subscriptions.models import BillingEvent, Organisation, Plan, Subscription
from kiosco.subscriptions.services import lifecycle
from kiosco.subscriptions.services.billing_snapshot import Snapshot, merge
from kiosco.subscriptions.services.organisations import create_organisation

Outcome = BillingEvent.Outcome


class Rejected(Exception):
    """An event that names something Kiosco does not know (plan, reader)."""


def receive_billing_change(change: BillingChange) -> tuple[BillingEvent, bool]:
    """Store and apply. Returns (the stored event, whether it was new)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = BillingEvent.objects.create(
                    provider=change.provider,
                    event_id=change.event_id,
                    kind=change.kind,
                    external_id=change.external_id,
                    occurred_at=change.occurred_at,
                    payload=change.payload,
                    change=change.to_json(),
                )
        except IntegrityError:
            # Delivered before (a retry or a replay): same answer, no second effect.
            return BillingEvent.objects.get(
                provider=change.provider, event_id=change.event_id
            ), False
        _drain(change.provider, change.external_id, change)
    event.refresh_from_db()
    return event, True


def _drain(provider: str, external_id: str, latest: BillingChange) -> None:
    subscription = (
        Subscription.objects.select_for_update()
        .filter(provider=provider, external_id=external_id)
        .first()
    )
    waiting = list(
        BillingEvent.objects.filter(
            provider=provider, external_id=external_id, outcome=Outcome.PENDING
        ).order_by("occurred_at", "event_id")
    )
    changes = {
        e.pk: latest if e.event_id == latest.event_id else _stored_change(e) for e in waiting
    }
    if subscription is None:
        subscription = _create_from_first(waiting, changes)
        if subscription is None:
            return  # everything waits (pending) for the subscription's ``created``
    newest = subscription.last_event_at
    for event in waiting:
        if event.outcome != Outcome.PENDING:
            continue  # the ``created`` that was rejected above
        try:
            _check_known(changes[event.pk])
        except Rejected as why:
            _mark(event, Outcome.REJECTED, str(why))
            continue
        detail = ""
        if newest is not None and event.occurred_at < newest:
            detail = f"merged; older than {newest.isoformat()}"
        _mark(event, Outcome.APPLIED, detail)
    _converge(subscription)


def _create_from_first(
    waiting: list[BillingEvent], changes: dict[int, BillingChange]
) -> Subscription | None:
    for event in waiting:
        if event.kind != "created":
            continue
        try:
            with transaction.atomic():
                return _create(changes[event.pk])
        except Rejected as why:
            _mark(event, Outcome.REJECTED, str(why))
    return None


def _check_known(change: BillingChange) -> None:
    if change.plan_code:
        _plan(change.plan_code)


def _mark(event: BillingEvent, outcome: str, detail: str) -> None:
    event.outcome = outcome
    event.detail = detail[:200]
    event.save(update_fields=["outcome", "detail"])


def _converge(subscription: Subscription) -> None:
    """Bring the subscription to the merge of every applied event (see billing_snapshot)."""
    applied = BillingEvent.objects.filter(
        provider=subscription.provider,
        external_id=subscription.external_id,
        outcome=Outcome.APPLIED,
    )
    snapshot = merge([_stored_change(event) for event in applied])
    subscription = lifecycle.lock(subscription)
    plan = _plan(snapshot.plan_code) if snapshot.plan_code else subscription.plan
    if plan.pk != subscription.plan_id:
        downgrade = plan.seats < subscription.plan.seats
        lifecycle.change_plan_now(subscription, plan)
        subscription = lifecycle.lock(subscription)
        reason = "downgrade" if downgrade else "upgrade"
    else:
        reason = "seats_reduced"
    seats = plan.seats if snapshot.plan_after_seats else snapshot.seats or plan.seats
    lifecycle.set_seat_count(subscription, seats, reason)
    _converge_dates(subscription, snapshot)
    _converge_status(subscription, snapshot)


def _converge_dates(subscription: Subscription, snapshot: Snapshot) -> None:
    if snapshot.period_end is not None:
        subscription.current_period_end = snapshot.period_end
        subscription.current_period_start = snapshot.period_start or snapshot.period_end
    subscription.last_event_at = snapshot.last_event_at
    subscription.pending_plan = None  # the billing system says which plan runs when
    subscription.save(
        update_fields=[
            "current_period_start",
            "current_period_end",
            "last_event_at",
            "pending_plan",
        ]
    )


def _converge_status(subscription: Subscription, snapshot: Snapshot) -> None:
    status = snapshot.status or subscription.status
    if status == subscription.status and status != Subscription.Status.PAST_DUE:
        return
    if status == Subscription.Status.EXPIRED:
        lifecycle.expire(subscription)  # vacates every seat, leases released
        return
    if status == Subscription.Status.CANCELED:
        lifecycle.cancel(subscription)
    subscription.status = status
    subscription.grace_until = None
    if status == Subscription.Status.PAST_DUE and snapshot.past_due_since:
        subscription.grace_until = snapshot.past_due_since + timedelta(
            days=settings.KIOSCO_PAST_DUE_GRACE_DAYS
        )
    subscription.save(update_fields=["status", "grace_until"])


def _create(change: BillingChange) -> Subscription:
    plan = _plan(change.plan_code)
    if change.period_end is None:
        raise Rejected("created without period_end")
    owner, organisation = _owner(change)
    if owner is not None and owner.seats.exists():
        raise Rejected(f"{owner.email} already holds a seat")
    subscription = lifecycle.start_subscription(
        plan,
        reader=owner,
        organisation=organisation,
        seats=change.seats or plan.seats,
        provider=change.provider,
        status="trialing" if change.status == "trialing" else "active",
        period_end=change.period_end,
        external_id=change.external_id,
        now=change.occurred_at,
    )
    return subscription


def _plan(code: str | None) -> Plan:
    plan = Plan.objects.filter(code=code or "").first()
    if plan is None:
        raise Rejected(f"unknown plan {code!r}")
    return plan


def _owner(change: BillingChange) -> tuple[Reader | None, Organisation | None]:
    if change.organisation:
        slug = change.organisation.get("slug", "")
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            admin = Reader.objects.filter(
                email=normalise_email(change.organisation.get("admin_email", ""))
            ).first()
            if admin is None:
                raise Rejected("new organisation without a known admin_email")
            organisation = create_organisation(
                change.organisation.get("name") or slug, admin, slug=slug
            )
        if Subscription.objects.filter(organisation=organisation).exists():
            raise Rejected(f"organisation {slug!r} already has a subscription")
        return None, organisation
    reader = Reader.objects.filter(email=normalise_email(change.owner_email or "")).first()
    if reader is None:
        raise Rejected(f"no reader with email {change.owner_email!r}")
    return reader, None


def _stored_change(event: BillingEvent) -> BillingChange:
    """A waiting event's change, as normalised when it arrived."""
    return BillingChange.from_json(event.change, event.payload)
