"""Providers whose billing system lives elsewhere (``webhook``, ``stripe``): Kiosco
asks, the billing system charges, and its signed event makes the change here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kiosco.subscriptions.billing.base import BillingOutcome
from kiosco.subscriptions.models import Organisation, Plan, Subscription


def _awaiting() -> BillingOutcome:
    return BillingOutcome(
        applied=False,
        message=_(
            "Your request went to our billing system. It shows here once payment is confirmed."
        ),
    )


class ExternalBilling:
    test_mode = False

    def __init__(self, code: str) -> None:
        self.code = code

    def start(
        self, plan: Plan, *, reader: Any, organisation: Organisation | None, seats: int
    ) -> BillingOutcome:
        return _awaiting()

    def change_seats(self, subscription: Subscription, seats: int) -> BillingOutcome:
        return _awaiting()

    def change_plan(self, subscription: Subscription, plan: Plan) -> BillingOutcome:
        return _awaiting()

    def cancel(self, subscription: Subscription) -> BillingOutcome:
        return _awaiting()
