"""Billing webhooks: POST only, signed, problem-JSON errors with 400 (never a 500).

Both endpoints run the same three steps — verify the signature, parse the event,
receive it — and differ only in their provider module and secret."""

from __future__ import annotations

from types import ModuleType

from django.conf import settings
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kiosco.lib.edge import problem
from kiosco.subscriptions.billing import stripe, webhook
from kiosco.subscriptions.billing.base import BadEvent, BillingChange
from kiosco.subscriptions.services.billing_events import receive_billing_change


def _error(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    # The edge's problem JSON; "error" stays as a member, as billing systems read it.
    title = "Conflict" if status == 409 else "Bad request"
    return problem(request, status, title, message, error=message)


def _receive(request: HttpRequest, change: BillingChange) -> HttpResponse:
    try:
        event, new = receive_billing_change(change)
    except IntegrityError:
        # Two deliveries for one new subscription raced; the provider retries.
        return _error(request, "conflict, retry later", 409)
    # A database that does not answer (OperationalError) is not caught here: it is the
    # 503 with Retry-After of every endpoint (kiosco/lib/views.py), which providers retry.
    return JsonResponse({"received": True, "duplicate": not new, "outcome": event.outcome})


def _handle(request: HttpRequest, provider: ModuleType, secret: str) -> HttpResponse:
    """verify → parse → receive. ``provider`` is ``billing.webhook`` or ``billing.stripe``
    (each has ``HEADER``, ``verify(body, header, secret, tolerance)`` and ``parse``)."""
    body = request.body
    try:
        provider.verify(
            body,
            request.headers.get(provider.HEADER),
            secret,
            settings.KIOSCO_BILLING_WEBHOOK_TOLERANCE,
        )
        change = provider.parse(body)
    except BadEvent as bad:
        return _error(request, str(bad))
    if change is None:  # an event type Kiosco does not handle (Stripe sends many)
        return JsonResponse({"received": True, "ignored": True})
    return _receive(request, change)


@csrf_exempt
@require_POST
def generic_webhook(request: HttpRequest) -> HttpResponse:
    return _handle(request, webhook, settings.KIOSCO_BILLING_WEBHOOK_SECRET)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    return _handle(request, stripe, settings.STRIPE_WEBHOOK_SECRET)
