"""``{% reader_subscription as sub %}``: what the header and the account page show each
reader — their plan, how they read on it (own, shared, an organisation's seat) and the
organisations they administer.

It reads the reader's cached snapshot (``kiosco/subscriptions/snapshot.py``), which
every change to their seat, subscription, plan or organisations moves on: no query,
and never stale after the reader's own change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.translation import get_language

from kiosco.readers.snapshot import forget_reader
from kiosco.subscriptions.snapshot import reader_plan

register = template.Library()


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
    """The reader changed their subscription: the next page reads it again (the
    services' signals do it too; this covers a change that sends none)."""
    forget_reader(getattr(request.user, "pk", None))


def summary_of(user: Any) -> ReaderSubscription:
    if user is None or not user.is_authenticated:
        return ReaderSubscription()
    plan = reader_plan(user)
    entitlements = plan.entitlements
    return ReaderSubscription(
        can_read=entitlements.can_read_subscriber_content,
        plan_names=plan.plan_names,
        is_owner=entitlements.is_owner,
        organisation_name=entitlements.organisation_name,
        administered=[{"slug": slug, "name": name} for slug, name in plan.administered],
    )


@register.simple_tag(takes_context=True)
def reader_subscription(context: dict[str, Any]) -> ReaderSubscription:
    return summary_of(getattr(context.get("request"), "user", None))
