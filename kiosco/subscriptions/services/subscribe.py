"""Buying and changing a subscription through the billing provider (the reader's side).

Views call these; each checks the rules (verified email, current terms, one seat per
reader, owner only) and hands the money part to ``billing.get_provider()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kiosco.subscriptions.billing import get_provider
from kiosco.subscriptions.billing.base import BillingOutcome
from kiosco.subscriptions.models import Organisation, Plan, Seat, Subscription
from kiosco.subscriptions.services.entitlements import grants_access
from kiosco.subscriptions.services.lifecycle import lock, vacate_seat
from kiosco.subscriptions.services.mail import tell_owner_of_change
from kiosco.subscriptions.services.organisations import create_organisation
from kiosco.subscriptions.services.seats import SeatRefused, has_verified_email
from kiosco.subscriptions.services.terms import accept_terms_on_taking_a_seat, current_terms


def _live(subscription: Subscription) -> bool:
    return grants_access(
        subscription.status,
        subscription.current_period_end,
        subscription.grace_until,
        timezone.now(),
    )


def owned_subscription(reader: Any) -> Subscription | None:
    """The reader's own subscription that still reads (or None)."""
    for subscription in Subscription.objects.filter(owner_reader_id=reader.pk).select_related(
        "plan"
    ):
        if _live(subscription):
            return subscription
    return None


def _check_may_subscribe(reader: Any, accepted_terms_id: int | None) -> None:
    if not has_verified_email(reader):
        raise SeatRefused("email_not_verified")
    terms = current_terms()
    # Subscribing always shows the terms, so the ticked version must be the current one.
    if terms is not None and accepted_terms_id != terms.pk:
        raise SeatRefused("terms_not_accepted")
    accept_terms_on_taking_a_seat(reader, accepted_terms_id)


def _free_stale_seat(reader: Any, for_organisation: bool) -> None:
    seat = Seat.objects.filter(holder_id=reader.pk).select_related("subscription").first()
    if seat is None:
        return
    # Decide on the locked row: a renewal that committed meanwhile keeps the seat.
    if _live(lock(seat.subscription)):
        if not for_organisation:
            raise SeatRefused("already_seated")
        return  # an admin may buy for a company while reading elsewhere
    vacate_seat(seat, "subscription_ended")  # a dead subscription's seat frees its reader


def _organisation_to_buy_for(reader: Any, name: str) -> Organisation:
    """A new organisation, or the one this reader bought for before that still awaits
    its billing system's confirmation: clicking "subscribe" again must not leave a
    second, empty organisation behind."""
    # Lock the reader's row: of two clicks racing here, the second waits for the
    # first's commit, then finds and reuses the organisation the first created.
    get_user_model().objects.select_for_update().filter(pk=reader.pk).first()
    awaiting = (
        Organisation.objects.filter(admins=reader, subscription__isnull=True).order_by("id").first()
    )
    return awaiting or create_organisation(name or reader.email, reader)


def subscribe(
    reader: Any,
    plan: Plan,
    *,
    accepted_terms_id: int | None,
    organisation_name: str = "",
    seats: int | None = None,
) -> BillingOutcome:
    """Subscribe ``reader`` (or a new organisation they administer) to ``plan``."""
    with transaction.atomic():
        _check_may_subscribe(reader, accepted_terms_id)
        _free_stale_seat(reader, plan.for_organisations)
        organisation: Organisation | None = None
        if plan.for_organisations:
            organisation = _organisation_to_buy_for(reader, organisation_name)
        count = seats if plan.seats_chosen_by_buyer and seats else plan.seats
        return get_provider().start(plan, reader=reader, organisation=organisation, seats=count)


def change_plan(reader: Any, plan: Plan) -> BillingOutcome:
    """Owner only: up now (Digital → Premium opens the second seat), down at period end."""
    subscription = owned_subscription(reader)
    if subscription is None or plan.for_organisations or plan.pk == subscription.plan_id:
        raise SeatRefused("not_allowed")
    return get_provider().change_plan(subscription, plan)


def cancel_subscription(reader: Any) -> BillingOutcome:
    subscription = owned_subscription(reader)
    if subscription is None:
        raise SeatRefused("not_allowed")
    return get_provider().cancel(subscription)


def contract_seats(organisation: Organisation, seats: int) -> BillingOutcome:
    """ "Contract more accounts": an admin sets the seat count, never below the seats
    already taken (remove members first).

    Race: the seats are counted with the subscription locked, so a member who takes a
    seat meanwhile either committed first (and counts: the admin is refused) or waits
    for this change. Counted before the lock, a member seated in between had their new
    seat closed by the reduction that was meant to spare them."""
    with transaction.atomic():
        subscription = lock(organisation.subscription)
        taken = Seat.objects.filter(subscription=subscription, holder__isnull=False).count()
        if seats < max(taken, 1):
            raise SeatRefused("seats_below_taken")
        outcome = get_provider().change_seats(subscription, seats)
        if outcome.applied:
            tell_owner_of_change(subscription, "seats_changed", seats=seats)
    return outcome


@dataclass(frozen=True)
class PlanChange:
    """What a plan change would do, shown before the reader confirms it."""

    subscription: Subscription
    plan: Plan
    now: bool  # True: at once; False: at the end of the period already paid for
    effective: datetime


def preview_plan_change(reader: Any, plan: Plan) -> PlanChange:
    """Up (more seats) takes effect at once, down at the period's end — the rule every
    provider here applies — so the confirmation page can say when."""
    subscription = owned_subscription(reader)
    if subscription is None or plan.for_organisations or plan.pk == subscription.plan_id:
        raise SeatRefused("not_allowed")
    now = plan.seats >= subscription.plan.seats
    effective = timezone.now() if now else subscription.current_period_end
    return PlanChange(subscription, plan, now, effective)
