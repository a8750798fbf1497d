"""Who sits on a subscription: invitations, taking a seat, revoking, joining by domain.

Race model: a seat is taken by a compare-and-set on that seat's row
(``UPDATE seat SET holder = me WHERE id = :seat AND holder IS NULL``). Two readers
racing for the last seat both see it empty; the database serialises their UPDATEs and
the second matches no row, looks again, finds no empty seat and is refused with
"no seats left". A unique constraint on the holder makes one reader on two seats
impossible even if this code were wrong.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiosco.lib import confirmation
from kiosco.readers.events import record
from kiosco.readers.models import normalise_email
from kiosco.readers.snapshot import forget_reader
from kiosco.subscriptions.events import SubscriptionTag
from kiosco.subscriptions.models import Invitation, Organisation, Seat, Subscription
from kiosco.subscriptions.services.entitlements import grants_access
from kiosco.subscriptions.services.lifecycle import lock, vacate_seat
from kiosco.subscriptions.services.mail import send_after_commit
from kiosco.subscriptions.services.terms import accept_terms_on_taking_a_seat

INVITATION = "seat_invitation"
confirmation.register_kind(INVITATION, timedelta(days=7))

REASONS: dict[str, Any] = {
    "no_seats_left": _(
        "Every seat on this subscription is taken. Ask its owner to free one or add more."
    ),
    "already_seated": _("You already read on a subscription. Leave it before taking another seat."),
    "own_invitation": _(
        "This invitation is for somebody else: "
        "you cannot take a second seat on your own subscription."
    ),
    "invitation_revoked": _("This invitation was withdrawn by the person who sent it."),
    "wrong_invitee": _(
        "This invitation was sent to %(address)s. Sign in with that address to accept it, "
        "or ask the person who invited you to invite the address you use."
    ),
    "subscription_inactive": _("The subscription behind this seat is no longer active."),
    "email_not_verified": _("Verify your email address first, then try again."),
    "domain_not_allowed": _("Your verified email address is not on this organisation's domain."),
    "not_allowed": _("You cannot do that on this subscription."),
    "owner_seat": _("The owner's own seat cannot be revoked."),
    "owner_cannot_leave": _("It is your own subscription: to stop it, cancel it instead."),
    "terms_not_accepted": _("Please accept the current terms and conditions to continue."),
    "seats_below_taken": _(
        "You cannot have fewer seats than people using them: remove members first."
    ),
}


# Shown when KIOSCO_SUBSCRIPTION_RATE_LIMITS["send_invitation"] is used up.
TOO_MANY_INVITATIONS = _(
    "You have sent a lot of invitations recently. Please wait an hour before sending more."
)


class SeatRefused(Exception):
    """A refusal with a reason the reader can read (``message``)."""

    def __init__(self, code: str, **details: str) -> None:
        super().__init__(code)
        self.code = code
        self.details = details

    @property
    def message(self) -> str:
        text = str(REASONS.get(self.code, REASONS["not_allowed"]))
        return text % self.details if self.details else text


def has_verified_email(reader: Any, email: str | None = None) -> bool:
    """Exactly this address, normalised (never SQL's case-insensitive match: see
    ``normalise_email``), verified by this reader."""
    address = normalise_email(email or reader.email or "")
    return EmailAddress.objects.filter(user_id=reader.pk, verified=True, email=address).exists()


def free_seat_count(subscription: Subscription) -> int:
    return Seat.objects.filter(subscription=subscription, holder__isnull=True).count()


def _refuse_unless_active(subscription: Subscription) -> None:
    now = timezone.now()
    if not grants_access(
        subscription.status, subscription.current_period_end, subscription.grace_until, now
    ):
        raise SeatRefused("subscription_inactive")


def invite_to_seat(
    subscription: Subscription, email: str, invited_by: Any, language: str
) -> Invitation:
    """Email an invitation to a free seat. Refused when every seat is taken."""
    with transaction.atomic():
        subscription = lock(subscription)
        _refuse_unless_active(subscription)
        email = normalise_email(email)
        if email == normalise_email(invited_by.email or "") and subscription.owner_reader_id:
            raise SeatRefused("own_invitation")
        if free_seat_count(subscription) == 0:
            raise SeatRefused("no_seats_left")
        invitation = Invitation.objects.create(
            subscription=subscription, email=email, invited_by=invited_by
        )
        key = confirmation.create_confirmation(INVITATION, invitation.pk).key
        link = settings.KIOSCO_PUBLIC_URL + reverse("subscriptions:invitation", args=[key])
        context = {
            "link": link,
            "inviter": invited_by.email,
            "organisation": subscription.organisation,
        }
        send_after_commit(invitation.email, "invitation", context, language)
        record(SubscriptionTag.INVITATION_SENT, reader=invited_by, invitation=invitation.pk)
    return invitation


def invitation_for_key(key: str) -> Invitation:
    """GET of an invitation link: look, change nothing (mail scanners follow links)."""
    found = confirmation.peek(INVITATION, key)
    return Invitation.objects.select_related(
        "subscription__plan", "subscription__organisation"
    ).get(pk=found.object_id)


def used_invitation_for_key(key: str) -> Invitation | None:
    """The invitation behind a used key, to tell its taker "you already accepted"."""
    row = confirmation.find(INVITATION, key)
    return Invitation.objects.filter(pk=row.object_id).first() if row else None


def accept_invitation(key: str, reader: Any, accepted_terms_id: int | None = None) -> Seat:
    """POST of an invitation link: the reader takes a seat, accepting the current
    terms there if they have not yet. The key is used only if the seat is taken (a
    refusal rolls the whole thing back and the link still works)."""
    with transaction.atomic():
        invitation = invitation_for_key(key)
        subscription = lock(invitation.subscription)
        # Read again under the lock: a revocation that committed meanwhile must win.
        invitation = Invitation.objects.get(pk=invitation.pk)
        if invitation.state != Invitation.State.PENDING:
            raise SeatRefused("invitation_revoked")
        if subscription.owner_reader_id == reader.pk:
            raise SeatRefused("own_invitation")
        _refuse_unless_invitee(invitation, reader)
        _require_terms(reader, accepted_terms_id)
        seat = take_seat(subscription, reader)
        confirmation.consume(INVITATION, key)
        invitation.state = Invitation.State.ACCEPTED
        invitation.accepted_by = reader
        invitation.save(update_fields=["state", "accepted_by"])
    return seat


def _refuse_unless_invitee(invitation: Invitation, reader: Any) -> None:
    """The link is not a bearer token: only a reader holding the invited address,
    verified, takes the seat (a forwarded link does nothing for anyone else)."""
    if has_verified_email(reader, invitation.email):
        return
    invited = normalise_email(invitation.email)
    holds_it = normalise_email(reader.email or "") == invited or (
        EmailAddress.objects.filter(user_id=reader.pk, email=invited).exists()
    )
    if holds_it:
        raise SeatRefused("email_not_verified")
    raise SeatRefused("wrong_invitee", address=mask_email(invitation.email))


def invitee_refusal(invitation: Invitation, reader: Any) -> str | None:
    """For the GET page: why this signed-in reader could not accept, said up front."""
    try:
        _refuse_unless_invitee(invitation, reader)
    except SeatRefused as refused:
        return refused.message
    return None


def mask_email(email: str) -> str:
    """``e***@example.com``: enough for its owner to recognise, not to harvest."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def take_seat(subscription: Subscription, reader: Any) -> Seat:
    """Seat ``reader`` on any free seat (call with the subscription locked)."""
    _refuse_unless_active(subscription)
    if not has_verified_email(reader):
        raise SeatRefused("email_not_verified")
    if Seat.objects.filter(holder_id=reader.pk).exists():
        raise SeatRefused("already_seated")
    for _attempt in range(subscription.seats + 1):
        seat = (
            Seat.objects.filter(subscription=subscription, holder__isnull=True)
            .order_by("number")
            .first()
        )
        if seat is None:
            break
        if _claim(seat, reader):
            record(SubscriptionTag.SEAT_TAKEN, reader=reader, seat=seat.pk)
            return seat
        # Lost the compare-and-set: somebody took this seat first; look again.
    raise SeatRefused("no_seats_left")


def _claim(seat: Seat, reader: Any) -> bool:
    try:
        with transaction.atomic():  # a savepoint, so a unique-holder clash can be reported
            updated = Seat.objects.filter(pk=seat.pk, holder__isnull=True).update(
                holder=reader, taken_at=timezone.now()
            )
    except IntegrityError:
        raise SeatRefused("already_seated") from None
    seat.holder = reader
    if updated == 1:
        forget_reader(reader.pk)  # an update sends no signal: the holder's pages read again
    return updated == 1


def join_by_domain(
    organisation: Organisation, reader: Any, accepted_terms_id: int | None = None
) -> Seat:
    """A reader with a verified address on the organisation's attested domain takes a
    seat by themselves, while seats last (accepting the current terms there)."""
    with transaction.atomic():
        subscription = lock(organisation.subscription)
        if not organisation.domain_open or not _on_domain(reader, organisation.domain):
            raise SeatRefused("domain_not_allowed")
        _require_terms(reader, accepted_terms_id)
        return take_seat(subscription, reader)


def _require_terms(reader: Any, accepted_terms_id: int | None) -> None:
    if not accept_terms_on_taking_a_seat(reader, accepted_terms_id):
        raise SeatRefused("terms_not_accepted")


def _on_domain(reader: Any, domain: str) -> bool:
    return EmailAddress.objects.filter(
        user_id=reader.pk, verified=True, email__endswith="@" + normalise_email(domain)
    ).exists()


def revoke_invitation(invitation: Invitation, by: Any) -> None:
    """Withdraw a pending invitation, or end the seat of whoever accepted it.

    Race: the invitation is read again under the subscription's lock; the caller's copy
    may say "pending" when its invitee accepted meanwhile, and the revocation must then
    end that seat rather than mark an accepted invitation revoked and leave the seat."""
    with transaction.atomic():
        lock(invitation.subscription)
        invitation = Invitation.objects.get(pk=invitation.pk)
        confirmation.withdraw(INVITATION, invitation.pk)
        if invitation.state == Invitation.State.ACCEPTED and invitation.accepted_by_id:
            seat = Seat.objects.filter(
                subscription_id=invitation.subscription_id, holder_id=invitation.accepted_by_id
            ).first()
            if seat is not None:
                remove_from_seat(seat, by)
        Invitation.objects.filter(pk=invitation.pk).update(state=Invitation.State.REVOKED)
        record(SubscriptionTag.INVITATION_REVOKED, reader=by, invitation=invitation.pk)


def remove_from_seat(seat: Seat, by: Any) -> None:
    """Revoke a seat: its reader stops reading at once (leases released in this same
    transaction) and is told by email. The owner's own seat cannot be revoked."""
    with transaction.atomic():
        subscription = lock(seat.subscription)
        seat = Seat.objects.select_related("holder").get(pk=seat.pk)
        if seat.holder_id is None:
            return
        if seat.holder_id == subscription.owner_reader_id:
            raise SeatRefused("owner_seat")
        holder = seat.holder
        vacate_seat(seat, "seat_revoked")
        Invitation.objects.filter(
            subscription=subscription, accepted_by=holder, state=Invitation.State.ACCEPTED
        ).update(state=Invitation.State.REVOKED)
        record(
            SubscriptionTag.SEAT_REVOKED, reader=holder, seat=seat.pk, by=getattr(by, "pk", None)
        )
        send_after_commit(holder.email, "seat_closed", {"reason": "seat_revoked"}, holder.language)  # type: ignore[union-attr]


def leave_seat(reader: Any) -> None:
    """A reader gives up the seat somebody shared with them (an owner cannot leave
    their own subscription: they cancel it).

    Race: the seat is read again under the subscription's lock, by holder, so a seat
    revoked and handed to somebody else meanwhile is not vacated (the leaver is told
    "not allowed": they hold no seat any more)."""
    with transaction.atomic():
        seat = Seat.objects.filter(holder_id=reader.pk).select_related("subscription").first()
        if seat is None:
            raise SeatRefused("not_allowed")
        subscription = lock(seat.subscription)
        seat = Seat.objects.filter(pk=seat.pk, holder_id=reader.pk).first()
        if seat is None:
            raise SeatRefused("not_allowed")
        if subscription.owner_reader_id == reader.pk:
            raise SeatRefused("owner_cannot_leave")
        if not vacate_seat(seat, "seat_left"):
            raise SeatRefused("not_allowed")
        Invitation.objects.filter(
            subscription=subscription, accepted_by_id=reader.pk, state=Invitation.State.ACCEPTED
        ).update(state=Invitation.State.REVOKED)
        record(SubscriptionTag.SEAT_LEFT, reader=reader, seat=seat.pk)
