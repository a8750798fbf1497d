"""The demo provider: no payment, instant activation, labelled TEST MODE everywhere.
It is also the in-memory implementation the tests drive the flows with."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kiosco.subscriptions.billing.base import BillingOutcome
from kiosco.subscriptions.models import Organisation, Plan, Seat, Subscription
from kiosco.subscriptions.services import lifecycle


class DemoBilling:
    code = "demo"
    test_mode = True

    def start(
        self, plan: Plan, *, reader: Any, organisation: Organisation | None, seats: int
    ) -> BillingOutcome:
        seated = Seat.objects.filter(holder_id=reader.pk).exists()
        subscription = lifecycle.start_subscription(
            plan,
            reader=None if organisation else reader,
            organisation=organisation,
            seats=seats,
            first_holder=None if seated else reader,
        )
        return BillingOutcome(applied=True, subscription=subscription)

    @transaction.atomic
    def change_seats(self, subscription: Subscription, seats: int) -> BillingOutcome:
        subscription = lifecycle.lock(subscription)
        lifecycle.set_seat_count(subscription, seats, "seats_reduced")
        return BillingOutcome(applied=True, subscription=subscription)

    @transaction.atomic
    def change_plan(self, subscription: Subscription, plan: Plan) -> BillingOutcome:
        # Up (more seats) takes effect now; down waits for the period's end. Decided on
        # the locked row: the caller's copy may predate another change of plan.
        subscription = lifecycle.lock(subscription)
        if plan.seats >= subscription.plan.seats:
            return BillingOutcome(True, lifecycle.change_plan_now(subscription, plan))
        return BillingOutcome(True, lifecycle.schedule_downgrade(subscription, plan))

    @transaction.atomic
    def cancel(self, subscription: Subscription) -> BillingOutcome:
        subscription = lifecycle.lock(subscription)
        # The caller saw it live; a roll-over may have ended it since. An ended
        # subscription stays ended (canceling it again would mail "canceled" for it,
        # and the next roll-over would expire it a second time).
        if subscription.status != Subscription.Status.EXPIRED:
            lifecycle.cancel(subscription)
        return BillingOutcome(applied=True, subscription=subscription)
