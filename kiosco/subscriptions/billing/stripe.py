"""Stripe: ``Stripe-Signature`` verified by the official library, then Stripe's
subscription events mapped onto the same :class:`BillingChange` as the webhook.

Kiosco reads the plan from the price's ``lookup_key`` (or the subscription's
``metadata.kiosco_plan``), the seats from the item's ``quantity`` and the owner from
``metadata.kiosco_owner_email`` or ``metadata.kiosco_organisation`` (+ ``_name``,
``_admin_email``), metadata the publisher sets when creating the Checkout session.
"""

from __future__ import annotations

from typing import Any

import stripe as stripe_lib

from kiosco.subscriptions.billing.base import MAX_SEATS, BadEvent, BillingChange, check_organisation
from kiosco.subscriptions.billing.webhook import load_json, parse_time

HEADER = "Stripe-Signature"
_HANDLED = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.payment_failed",
}


def verify(body: bytes, header: str | None, secret: str, tolerance: int) -> None:
    if not secret:
        raise BadEvent("STRIPE_WEBHOOK_SECRET is not configured")
    try:
        stripe_lib.Webhook.construct_event(body, header, secret, tolerance=tolerance)
    except stripe_lib.SignatureVerificationError:
        raise BadEvent("signature does not match") from None
    except (ValueError, TypeError, AttributeError, KeyError):
        # Signed but not an event object (a JSON list, a string…): still the sender's error.
        raise BadEvent("body is not a Stripe event") from None


def parse(body: bytes) -> BillingChange | None:
    """The change a Stripe event stands for, or None for event types Kiosco ignores."""
    event = load_json(body)
    kind = event.get("type")
    if kind not in _HANDLED:
        return None
    obj = _object(event, "data").get("object")
    if not isinstance(obj, dict) or not isinstance(event.get("id"), str):
        raise BadEvent("event has no data.object")
    if kind == "invoice.payment_failed":
        return _change(event, "payment_failed", _invoice_subscription(obj), {})
    return _change(event, _subscription_kind(kind, obj), obj.get("id"), obj)


def _subscription_kind(kind: str, obj: dict[str, Any]) -> str:
    status = obj.get("status")
    if kind == "customer.subscription.deleted" or status in ("canceled", "incomplete_expired"):
        return "ended"
    if kind == "customer.subscription.created":
        return "created"
    if status in ("past_due", "unpaid"):
        return "payment_failed"
    if obj.get("cancel_at_period_end"):
        return "canceled"
    return "renewed"


def _invoice_subscription(invoice: dict[str, Any]) -> Any:
    if invoice.get("subscription"):
        return invoice["subscription"]
    return _object(_object(invoice, "parent"), "subscription_details").get("subscription")


def _item(obj: dict[str, Any]) -> dict[str, Any]:
    items = _object(obj, "items").get("data") or [{}]
    if not isinstance(items, list) or not isinstance(items[0], dict):
        raise BadEvent("items.data must be a list of objects")
    return items[0]


def _object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key) or {}
    if not isinstance(value, dict):
        raise BadEvent(f"{key} must be an object")
    return value


def _organisation(metadata: dict[str, Any]) -> dict[str, str] | None:
    if not metadata.get("kiosco_organisation"):
        return None
    return check_organisation(
        {
            "slug": metadata["kiosco_organisation"],
            "name": metadata.get("kiosco_organisation_name") or metadata["kiosco_organisation"],
            "admin_email": metadata.get("kiosco_admin_email") or "",
        }
    )


def _seats(item: dict[str, Any]) -> int | None:
    quantity = item.get("quantity")
    if quantity is None or quantity == 0:
        return None
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise BadEvent("quantity must be an integer")
    if not 1 <= quantity <= MAX_SEATS:
        raise BadEvent(f"quantity must be from 1 to {MAX_SEATS}")
    return quantity


def _text(value: Any, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadEvent(f"{what} must be a string")
    return value


def _change(
    event: dict[str, Any], kind: str, external_id: Any, obj: dict[str, Any]
) -> BillingChange:
    if not isinstance(external_id, str) or not external_id:
        raise BadEvent("event names no subscription")
    item, metadata = _item(obj), _object(obj, "metadata")
    period_end = obj.get("current_period_end") or item.get("current_period_end")
    price = _object(item, "price")
    return BillingChange(
        provider="stripe",
        event_id=event["id"][:120],
        kind=kind,
        external_id=external_id[:120],
        occurred_at=parse_time(event.get("created"), "created"),
        plan_code=_text(price.get("lookup_key"), "price.lookup_key")
        or _text(metadata.get("kiosco_plan"), "metadata.kiosco_plan"),
        seats=_seats(item),
        period_end=parse_time(period_end, "current_period_end") if period_end else None,
        status=obj.get("status") if obj.get("status") in ("trialing", "active") else None,
        owner_email=_text(metadata.get("kiosco_owner_email"), "metadata.kiosco_owner_email"),
        organisation=_organisation(metadata),
        payload=event,
    )
