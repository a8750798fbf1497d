"""Emails of the subscriptions app, in the reader's language, sent after commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def send_after_commit(to: str, template: str, context: dict[str, Any], language: str) -> None:
    """Queue ``subscriptions/email/<template>`` for ``to``: it leaves only if the
    transaction that caused it commits (a rolled-back invitation sends nothing)."""

    context = {
        "edition_name": settings.KIOSCO_EDITION_NAME,
        "plans_url": settings.KIOSCO_PUBLIC_URL + "/plans/",
        **context,
    }

    def send() -> None:
        with translation.override(language or "en"):
            subject = render_to_string(f"subscriptions/email/{template}_subject.txt", context)
            body = render_to_string(f"subscriptions/email/{template}.txt", context)
        send_mail(" ".join(subject.split()), body, None, [to])

    transaction.on_commit(send)


def tell_owner_of_change(subscription: Any, change: str, **context: Any) -> None:
    """Confirm a change to a subscription (started, upgraded, downgrade_scheduled,
    canceled, seats_changed) by email to whoever pays for it: the owner reader, or an
    organisation's admins. After commit, like every email here."""
    owners = (
        [subscription.owner_reader]
        if subscription.owner_reader_id
        else list(subscription.organisation.admins.all())
        if subscription.organisation_id
        else []
    )
    context = {
        "change": change,
        "subscription": subscription,
        "plan": subscription.plan,
        "subscription_url": settings.KIOSCO_PUBLIC_URL + "/subscription/",
        **context,
    }
    for owner in owners:
        send_after_commit(owner.email, "subscription_changed", context, owner.language)
