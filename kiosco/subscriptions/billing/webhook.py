"""The generic webhook: any billing system posts JSON events to /billing/webhook/.

Signature: header ``Kiosco-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
HMAC-SHA256 of ``"<t>.<raw body>"`` with ``KIOSCO_BILLING_WEBHOOK_SECRET``. A
timestamp more than the tolerance away from now is refused, so a captured request
cannot be replayed later; within the tolerance the event id makes a replay a no-op.

Body::

    {"id": "evt_1", "type": "created|renewed|payment_failed|canceled|seats_changed|ended",
     "created": 1767225600,                       # when it happened (unix seconds or ISO 8601)
     "subscription": {"id": "sub_1", "plan": "premium", "seats": 2,
                      "period_end": 1769904000, "status": "active",
                      "owner_email": "bob@example.com",
                      "organisation": {"slug": "acme", "name": "Acme", "admin_email": "…"}}}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

from kiosco.subscriptions.billing.base import (
    EVENT_KINDS,
    BadEvent,
    BillingChange,
    check_organisation,
)

HEADER = "Kiosco-Signature"


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The header value a sender puts on ``body`` (used by tests and integrators)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    body: bytes, header: str | None, secret: str, tolerance: int, now: float | None = None
) -> None:
    if not secret:
        raise BadEvent("webhook secret is not configured")
    parts = [item.split("=", 1) for item in (header or "").split(",") if "=" in item]
    timestamps = [value for name, value in parts if name.strip() == "t"]
    signatures = [value.strip() for name, value in parts if name.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].strip().isdigit() or not signatures:
        raise BadEvent("malformed signature header")
    timestamp = int(timestamps[0])
    expected = sign(body, secret, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise BadEvent("signature does not match")
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        raise BadEvent("timestamp outside the tolerance")


# Times outside this window are a sender's bug, not a subscription (and the extremes
# overflow Python's datetime or the database's timestamp).
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def parse_time(value: Any, what: str) -> datetime:
    """Unix seconds or ISO 8601, between 2000 and 2200; anything else is a BadEvent."""
    try:
        parsed = _to_datetime(value)
    except (ValueError, OverflowError, OSError):
        raise BadEvent(f"{what} is not a time") from None
    if not _EARLIEST <= parsed <= _LATEST:
        raise BadEvent(f"{what} is out of range")
    return parsed


def _to_datetime(value: Any) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)  # NaN → ValueError, 1e20 → Overflow
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError(value)


def load_json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadEvent("body is not JSON") from None
    if not isinstance(data, dict):
        raise BadEvent("body is not a JSON object")
    return data


def parse(body: bytes) -> BillingChange:
    data = load_json(body)
    sub = data.get("subscription")
    if not isinstance(sub, dict):
        raise BadEvent("subscription must be an object")
    kind, event_id, external_id = data.get("type"), data.get("id"), sub.get("id")
    if kind not in EVENT_KINDS:
        raise BadEvent(f"type must be one of {', '.join(EVENT_KINDS)}")
    if (
        not isinstance(event_id, str)
        or not event_id
        or not isinstance(external_id, str)
        or not external_id
    ):
        raise BadEvent("id and subscription.id must be non-empty strings")
    seats = sub.get("seats")
    if seats is not None and (
        not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= 10000
    ):
        raise BadEvent("subscription.seats must be an integer from 1 to 10000")
    organisation = check_organisation(sub.get("organisation"))
    return BillingChange(
        provider="webhook",
        event_id=event_id[:120],
        kind=kind,
        external_id=external_id[:120],
        occurred_at=parse_time(data.get("created"), "created"),
        plan_code=_optional_str(sub, "plan"),
        seats=seats,
        period_end=parse_time(sub["period_end"], "period_end") if sub.get("period_end") else None,
        status=_optional_str(sub, "status"),
        owner_email=_optional_str(sub, "owner_email"),
        organisation=organisation,
        payload=data,
    )


def _optional_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadEvent(f"subscription.{key} must be a string")
    return value
