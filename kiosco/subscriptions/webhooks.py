"""Billing webhooks: POST only, signed, JSON errors with 400 (never a 500)."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, OperationalError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kiosco.subscriptions.billing import stripe, webhook
from kiosco.subscriptions.billing.base import BadEvent, BillingChange
from kiosco.subscriptions.services.billing_events import receive_billing_change


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _receive(change: BillingChange) -> JsonResponse:
    try:
        event, new = receive_billing_change(change)
    except (IntegrityError, OperationalError):
        # Two deliveries for one new subscription raced; the provider retries.
        return _error("conflict, retry later", 409)
    return JsonResponse({"received": True, "duplicate": not new, "outcome": event.outcome})


@csrf_exempt
@require_POST
def generic_webhook(request: HttpRequest) -> JsonResponse:
    body = request.body
    try:
        webhook.verify(
            body,
            request.headers.get(webhook.HEADER),
            settings.KIOSCO_BILLING_WEBHOOK_SECRET,
            settings.KIOSCO_BILLING_WEBHOOK_TOLERANCE,
        )
        change = webhook.parse(body)
    except BadEvent as bad:
        return _error(str(bad))
    return _receive(change)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    body = request.body
    try:
        stripe.verify(
            body,
            request.headers.get(stripe.HEADER),
            settings.STRIPE_WEBHOOK_SECRET,
            settings.KIOSCO_BILLING_WEBHOOK_TOLERANCE,
        )
        change = stripe.parse(body)
    except BadEvent as bad:
        return _error(str(bad))
    if change is None:
        return JsonResponse({"received": True, "ignored": True})
    return _receive(change)
