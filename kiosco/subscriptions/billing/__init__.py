"""The billing boundary (see ``base``). :func:`get_provider` returns the provider
``KIOSCO_BILLING_PROVIDER`` names: ``demo``, ``webhook`` or ``stripe``."""

from __future__ import annotations

from django.conf import settings

from kiosco.subscriptions.billing.base import BillingProvider


def get_provider() -> BillingProvider:
    code = settings.KIOSCO_BILLING_PROVIDER
    if code == "demo":
        from kiosco.subscriptions.billing.demo import DemoBilling

        return DemoBilling()
    from kiosco.subscriptions.billing.external import ExternalBilling

    return ExternalBilling(code)
