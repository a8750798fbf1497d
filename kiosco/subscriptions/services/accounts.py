"""What a reader's subscriptions mean for their account: deletion and data export.

Deleting an account must never silently take paying customers' access with it: an
owner whose subscription still reads, or the last admin of an organisation whose
subscription still reads, is refused (they cancel, or hand over admin, first). A
subscription that no longer reads goes with its owner, its seats' leases released.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kiosco.subscriptions.models import (
    Invitation,
    Organisation,
    Seat,
    Subscription,
    TermsAcceptance,
)
from kiosco.subscriptions.services.entitlements import grants_access
from kiosco.subscriptions.services.lifecycle import vacate_seat


class SubscriptionKeepsAccount(Exception):
    """The account cannot go yet; ``str(exc)`` tells the reader what to do first."""


def _reads_now(subscription: Subscription) -> bool:
    return grants_access(
        subscription.status,
        subscription.current_period_end,
        subscription.grace_until,
        timezone.now(),
    )


def prepare_account_deletion(reader: Any) -> None:
    """Call inside the deletion's transaction, before the reader row is deleted.
    Refuses (raises :class:`SubscriptionKeepsAccount`, nothing changed) or releases the
    seats of the reader's dead subscriptions so the cascade leaves no lease behind."""
    owned = list(Subscription.objects.select_for_update().filter(owner_reader_id=reader.pk))
    if any(_reads_now(subscription) for subscription in owned):
        raise SubscriptionKeepsAccount(
            _("Your subscription is still running: cancel it and wait for its end first.")
        )
    for organisation in _organisations_left_without_admin(reader):
        raise SubscriptionKeepsAccount(
            _(
                "You are the only admin of %(name)s, whose subscription is still running: "
                "add another admin first."
            )
            % {"name": organisation.name}
        )
    for seat in Seat.objects.filter(subscription__in=owned):
        vacate_seat(seat, "account_deleted")


def _organisations_left_without_admin(reader: Any) -> list[Organisation]:
    """Organisations whose running subscription would lose its last admin.

    Race: each organisation row is locked (in id order) before its admins are counted,
    so of two admins deleting their accounts at once the second waits, then counts
    what the first left and is refused; unlocked, each counted the other and the
    organisation was left with nobody to run it."""
    sole = []
    organisations = (
        Organisation.objects.filter(admins=reader)
        .select_related("subscription")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    for organisation in organisations:
        subscription = getattr(organisation, "subscription", None)
        if subscription is None or not _reads_now(subscription):
            continue
        if not organisation.admins.exclude(pk=reader.pk).exists():
            sole.append(organisation)
    return sole


def export_reader_subscriptions(reader: Any) -> dict[str, Any]:
    """The subscriptions app's part of a reader's data export
    (``KIOSCO_READER_EXPORTERS``): their seat, the subscription they own, the terms
    they accepted and the invitations they sent."""
    return {
        "seat": _seat_data(reader),
        "owned_subscription": _subscription_data(
            Subscription.objects.filter(owner_reader_id=reader.pk)
            .select_related("plan")
            .order_by("-created_at")
            .first()
        ),
        "terms_acceptances": [
            {
                "version": acceptance.version.version,
                "accepted_at": acceptance.accepted_at.isoformat(),
            }
            for acceptance in TermsAcceptance.objects.filter(reader_id=reader.pk)
            .select_related("version")
            .order_by("accepted_at")
        ],
        "invitations_sent": [
            {
                "email": invitation.email,
                "state": invitation.state,
                "created_at": invitation.created_at.isoformat(),
            }
            for invitation in Invitation.objects.filter(invited_by_id=reader.pk).order_by(
                "created_at"
            )
        ],
    }


def _seat_data(reader: Any) -> dict[str, Any] | None:
    seat = (
        Seat.objects.filter(holder_id=reader.pk)
        .select_related("subscription__plan", "subscription__organisation")
        .first()
    )
    if seat is None:
        return None
    organisation = seat.subscription.organisation
    return {
        "number": seat.number,
        "taken_at": seat.taken_at.isoformat() if seat.taken_at else None,
        "organisation": organisation.name if organisation else None,
        "subscription": _subscription_data(seat.subscription),
    }


def _subscription_data(subscription: Subscription | None) -> dict[str, Any] | None:
    if subscription is None:
        return None
    return {
        "plan": subscription.plan.code,
        "status": subscription.status,
        "seats": subscription.seats,
        "current_period_start": subscription.current_period_start.isoformat(),
        "current_period_end": subscription.current_period_end.isoformat(),
    }
