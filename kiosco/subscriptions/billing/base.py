"""The billing boundary: what Kiosco asks of a billing system, and what it hears back.

Kiosco asks through :class:`BillingProvider` (start, change seats, change plan, cancel)
and hears back through :class:`BillingChange` events, which one service
(``services.billing_events.receive_billing_change``) applies. ``demo`` answers at once
(test mode); ``webhook`` and ``stripe`` answer later, by signed webhook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kiosco.subscriptions.models import Organisation, Plan, Subscription

MAX_SEATS = 10000  # as the seats forms allow; Seat numbers are smallints
EVENT_KINDS = ("created", "renewed", "payment_failed", "canceled", "seats_changed", "ended")


class BadEvent(ValueError):
    """A webhook that cannot be read: signature, timestamp or shape. Answered 400."""


# The columns these end up in (Organisation.slug, .name; an email field).
_ORGANISATION_LIMITS = {"slug": 60, "name": 120, "admin_email": 254}
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


def check_organisation(value: Any) -> dict[str, str] | None:
    """An event's organisation object, checked against the columns it fills: a value
    too long for PostgreSQL is the sender's error (400), never a DataError (500)."""
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise BadEvent("organisation must be an object")
    organisation = {str(k): str(v) for k, v in value.items() if k in _ORGANISATION_LIMITS}
    for key, limit in _ORGANISATION_LIMITS.items():
        if len(organisation.get(key, "")) > limit:
            raise BadEvent(f"organisation.{key} is longer than {limit} characters")
    if not _SLUG.match(organisation.get("slug", "")):
        raise BadEvent("organisation.slug must be letters, digits, hyphens or underscores")
    return organisation


@dataclass(frozen=True)
class BillingChange:
    """One event from a billing system, normalised. ``external_id`` names the
    subscription in that system; ``occurred_at`` orders events."""

    provider: str
    event_id: str
    kind: str
    external_id: str
    occurred_at: datetime
    plan_code: str | None = None
    seats: int | None = None
    period_end: datetime | None = None
    status: str | None = None
    owner_email: str | None = None
    organisation: dict[str, str] | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _STORED}
        for name in ("occurred_at", "period_end"):
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], payload: dict[str, Any]) -> BillingChange:
        period_end = data.get("period_end")
        return cls(
            provider=data["provider"],
            event_id=data["event_id"],
            kind=data["kind"],
            external_id=data["external_id"],
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
            plan_code=data.get("plan_code"),
            seats=data.get("seats"),
            period_end=datetime.fromisoformat(period_end) if period_end else None,
            status=data.get("status"),
            owner_email=data.get("owner_email"),
            organisation=data.get("organisation"),
            payload=payload,
        )


_STORED = (
    "provider",
    "event_id",
    "kind",
    "external_id",
    "occurred_at",
    "plan_code",
    "seats",
    "period_end",
    "status",
    "owner_email",
    "organisation",
)


@dataclass(frozen=True)
class BillingOutcome:
    """What a request to the billing system did: ``applied`` now (demo), or sent and
    awaiting the provider's event (``message`` says so to the reader)."""

    applied: bool
    subscription: Subscription | None = None
    message: str = ""
    # Awaiting an external billing system: the organisation bought for (it waits for
    # its subscription) and what to tell that system so its ``created`` event links back.
    organisation: Organisation | None = None
    reference: dict[str, str] = field(default_factory=dict)


class BillingProvider(Protocol):
    code: str
    test_mode: bool

    def start(
        self, plan: Plan, *, reader: Any, organisation: Organisation | None, seats: int
    ) -> BillingOutcome: ...

    def change_seats(self, subscription: Subscription, seats: int) -> BillingOutcome: ...

    def change_plan(self, subscription: Subscription, plan: Plan) -> BillingOutcome: ...

    def cancel(self, subscription: Subscription) -> BillingOutcome: ...
