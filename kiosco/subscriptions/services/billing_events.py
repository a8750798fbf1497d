"""Apply billing events (from the webhook or Stripe) to subscriptions.

Every event is stored first — unique by (provider, event id), so a redelivery or a
replay changes nothing — and then the subscription's stored-but-unapplied events are
applied in order of event time. An event older than the last one applied is kept but
marked ignored (its news is stale); an event for a subscription that does not exist
yet waits until its ``created`` arrives. Nothing is lost: every row stays.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from kiosco.readers.models import Reader
from kiosco.subscriptions.billing.base import BillingChange
from kiosco.subscriptions.models import BillingEvent, Organisation, Plan, Subscription
from kiosco.subscriptions.services import lifecycle
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
    waiting = BillingEvent.objects.filter(
        provider=provider, external_id=external_id, outcome=Outcome.PENDING
    ).order_by("occurred_at", "id")
    for event in waiting:
        change = latest if event.event_id == latest.event_id else _stored_change(event)
        subscription = _apply_one(event, change, subscription)


def _apply_one(
    event: BillingEvent, change: BillingChange, subscription: Subscription | None
) -> Subscription | None:
    if subscription is None and change.kind != "created":
        return None  # stays pending until the subscription's ``created`` arrives
    if (
        subscription is not None
        and subscription.last_event_at
        and change.occurred_at < subscription.last_event_at
    ):
        _mark(event, Outcome.IGNORED_OLDER, f"older than {subscription.last_event_at.isoformat()}")
        return subscription
    try:
        with transaction.atomic():
            subscription = _apply(change, subscription)
    except Rejected as why:
        _mark(event, Outcome.REJECTED, str(why))
        return subscription
    subscription.last_event_at = change.occurred_at
    subscription.save(update_fields=["last_event_at"])
    _mark(event, Outcome.APPLIED, "")
    return subscription


def _mark(event: BillingEvent, outcome: str, detail: str) -> None:
    event.outcome = outcome
    event.detail = detail[:200]
    event.save(update_fields=["outcome", "detail"])


def _apply(change: BillingChange, subscription: Subscription | None) -> Subscription:
    if subscription is None:
        return _create(change)
    if change.kind == "created" or change.kind == "renewed":
        _renew(subscription, change)
    elif change.kind == "payment_failed":
        lifecycle.mark_past_due(subscription, change.occurred_at)
    elif change.kind == "canceled":
        lifecycle.cancel(subscription)
    elif change.kind == "ended":
        lifecycle.expire(subscription)
    if change.seats and change.kind in ("seats_changed", "renewed", "created"):
        lifecycle.set_seat_count(subscription, change.seats, "seats_reduced")
    return subscription


def _renew(subscription: Subscription, change: BillingChange) -> None:
    if change.plan_code and change.plan_code != subscription.plan.code:
        plan = _plan(change.plan_code)
        if plan.seats >= subscription.plan.seats:
            lifecycle.change_plan_now(subscription, plan)
            subscription.refresh_from_db()
        else:
            subscription.pending_plan = plan
    end = change.period_end or subscription.current_period_end
    lifecycle.start_new_period(subscription, end, change.occurred_at)
    if change.status == "trialing":
        subscription.status = Subscription.Status.TRIALING
        subscription.save(update_fields=["status"])


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
                email__iexact=change.organisation.get("admin_email", "")
            ).first()
            if admin is None:
                raise Rejected("new organisation without a known admin_email")
            organisation = create_organisation(
                change.organisation.get("name") or slug, admin, slug=slug
            )
        if Subscription.objects.filter(organisation=organisation).exists():
            raise Rejected(f"organisation {slug!r} already has a subscription")
        return None, organisation
    reader = Reader.objects.filter(email__iexact=change.owner_email or "").first()
    if reader is None:
        raise Rejected(f"no reader with email {change.owner_email!r}")
    return reader, None


def _stored_change(event: BillingEvent) -> BillingChange:
    """A waiting event's change, as normalised when it arrived."""
    return BillingChange.from_json(event.change, event.payload)
