"""Providers whose billing system lives elsewhere (``webhook``, ``stripe``): Kiosco
asks, the billing system charges, and its signed event makes the change here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kiosco.readers.events import record
from kiosco.subscriptions.billing.base import BillingOutcome
from kiosco.subscriptions.events import SubscriptionTag
from kiosco.subscriptions.models import Organisation, Plan, Subscription


def _awaiting(**extra: Any) -> BillingOutcome:
    return BillingOutcome(
        applied=False,
        message=_(
            "Your request went to our billing system. It shows here once payment is confirmed."
        ),
        **extra,
    )


def checkout_reference(
    plan: Plan, *, reader: Any, organisation: Organisation | None, seats: int
) -> dict[str, str]:
    """What the billing system must be told at checkout so its ``created`` event finds
    its owner here: Stripe metadata keys as ``billing/stripe.py`` reads them (the
    generic webhook sends the same as ``subscription.organisation`` / ``owner_email``)."""
    reference = {"kiosco_plan": plan.code, "kiosco_seats": str(seats)}
    if organisation is None:
        return {**reference, "kiosco_owner_email": reader.email}
    return {
        **reference,
        "kiosco_organisation": organisation.slug,
        "kiosco_organisation_name": organisation.name,
        "kiosco_admin_email": reader.email,
    }


class ExternalBilling:
    test_mode = False

    def __init__(self, code: str) -> None:
        self.code = code

    def start(
        self, plan: Plan, *, reader: Any, organisation: Organisation | None, seats: int
    ) -> BillingOutcome:
        reference = checkout_reference(plan, reader=reader, organisation=organisation, seats=seats)
        record(SubscriptionTag.BILLING_REQUESTED, reader=reader, provider=self.code, **reference)
        return _awaiting(organisation=organisation, reference=reference)

    def change_seats(self, subscription: Subscription, seats: int) -> BillingOutcome:
        return _awaiting()

    def change_plan(self, subscription: Subscription, plan: Plan) -> BillingOutcome:
        return _awaiting()

    def cancel(self, subscription: Subscription) -> BillingOutcome:
        return _awaiting()
