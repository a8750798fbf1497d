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

from kiosco.subscriptions.models import Organisation, Seat, Subscription
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
    sole = []
    for organisation in Organisation.objects.filter(admins=reader).select_related("subscription"):
        subscription = getattr(organisation, "subscription", None)
        if subscription is None or not _reads_now(subscription):
            continue
        if not organisation.admins.exclude(pk=reader.pk).exists():
            sole.append(organisation)
    return sole
