"""``{% reader_subscription user as sub %}``: what the header and the account page show
each reader — their plan, how they read on it (own, shared, an organisation's seat)
and the organisations they administer. Two queries for a signed-in reader, none for
anyone else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template

from kiosco.subscriptions.models import Organisation, Plan
from kiosco.subscriptions.services.entitlements import entitlements_for

register = template.Library()


@dataclass(frozen=True)
class ReaderSubscription:
    can_read: bool = False
    plan: Plan | None = None
    status: str | None = None
    is_owner: bool = False
    organisation_name: str | None = None
    administered: list[Organisation] = field(default_factory=list)


@register.simple_tag
def reader_subscription(user: Any) -> ReaderSubscription:
    if user is None or not getattr(user, "is_authenticated", False):
        return ReaderSubscription()
    entitlements = entitlements_for(user)
    plan = (
        Plan.objects.filter(code=entitlements.plan_code).first() if entitlements.plan_code else None
    )
    return ReaderSubscription(
        can_read=entitlements.can_read_subscriber_content,
        plan=plan,
        status=entitlements.status,
        is_owner=entitlements.is_owner,
        organisation_name=entitlements.organisation_name,
        administered=list(user.administered_organisations.all()),
    )
