"""``{% reader_subscription as sub %}``: what the header and the account page show each
reader — their plan, how they read on it (own, shared, an organisation's seat) and the
organisations they administer.

The header is on every page, and a reading subscriber's page is pinned at four reads
(tests/paywall/test_queries.py), so the summary is kept in the session for a minute
and costs no query in between. It is navigation only — who may read is still decided
fresh by ``entitlements_for`` — and the reader's own changes (subscribing, accepting a
seat, leaving, changing plan) drop it at once (``forget_reader_subscription``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.translation import get_language

from kiosco.subscriptions.models import Plan
from kiosco.subscriptions.services.entitlements import entitlements_for

register = template.Library()
SESSION_KEY = "kiosco_reader_subscription"
MAX_AGE = 60  # seconds a summary is shown before it is read again


@dataclass(frozen=True)
class ReaderSubscription:
    can_read: bool = False
    plan_names: tuple[str, str] = ("", "")  # English, Spanish
    is_owner: bool = False
    organisation_name: str | None = None
    administered: list[dict[str, str]] = field(default_factory=list)  # slug, name

    @property
    def plan_name(self) -> str:
        english, spanish = self.plan_names
        return spanish if (get_language() or "en").startswith("es") and spanish else english


def forget_reader_subscription(request: HttpRequest) -> None:
    """The reader changed their subscription: the next page reads it again."""
    request.session.pop(SESSION_KEY, None)


def _summary(user: Any) -> dict[str, Any]:
    entitlements = entitlements_for(user)
    plan = (
        Plan.objects.filter(code=entitlements.plan_code).first() if entitlements.plan_code else None
    )
    return {
        "at": time.time(),
        "can_read": entitlements.can_read_subscriber_content,
        "plan_names": [plan.name, plan.name_es] if plan else ["", ""],
        "is_owner": entitlements.is_owner,
        "organisation_name": entitlements.organisation_name,
        "administered": [
            {"slug": o.slug, "name": o.name} for o in user.administered_organisations.all()
        ],
    }


@register.simple_tag(takes_context=True)
def reader_subscription(context: dict[str, Any]) -> ReaderSubscription:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return ReaderSubscription()
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict) or time.time() - float(kept.get("at", 0)) > MAX_AGE:
        kept = _summary(user)
        request.session[SESSION_KEY] = kept
    return ReaderSubscription(
        can_read=bool(kept["can_read"]),
        plan_names=(str(kept["plan_names"][0]), str(kept["plan_names"][1])),
        is_owner=bool(kept["is_owner"]),
        organisation_name=kept["organisation_name"],
        administered=list(kept["administered"]),
    )
