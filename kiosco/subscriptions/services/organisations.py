"""Business customers: organisations, their admins, their domain and seat usage.

Tenant isolation lives in :func:`organisation_for_admin`: every organisation page
looks its organisation up *through the signed-in admin*, so another tenant's admin
gets "not found" and never a byte of data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kiosco.readers.events import record
from kiosco.subscriptions.events import SubscriptionTag
from kiosco.subscriptions.models import Invitation, Organisation, Seat, Subscription


def organisation_for_admin(slug: str, reader: Any) -> Organisation:
    """The organisation ``reader`` administers, or 404 (also for other tenants)."""
    if not getattr(reader, "is_authenticated", False):
        raise Http404
    found = (
        Organisation.objects.filter(slug=slug, admins=reader).select_related("subscription").first()
    )
    if found is None:
        raise Http404
    return found


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_organisation(name: str, admin: Any, slug: str | None = None) -> Organisation:
    organisation = Organisation.objects.create(name=name.strip(), slug=slug or unique_slug(name))
    organisation.admins.add(admin)
    return organisation


# Anyone can have an address at these: attesting one would open the seats to the world.
PUBLIC_WEBMAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
    }
)


class DomainRefused(Exception):
    """``str(exc)`` tells the admin why the domain cannot be attested."""


def _refuse_domain(organisation: Organisation, domain: str) -> None:
    if domain in PUBLIC_WEBMAIL or domain.startswith("gmx."):
        raise DomainRefused(
            _("%(domain)s is a public email service: attest a domain only your organisation uses.")
            % {"domain": domain}
        )
    if Organisation.objects.filter(domain=domain).exclude(pk=organisation.pk).exists():
        raise DomainRefused(
            _("Another organisation already attested %(domain)s.") % {"domain": domain}
        )


def attest_domain(organisation: Organisation, domain: str, join_enabled: bool, by: Any) -> None:
    """Record the admin's word that the organisation controls ``domain``. This is an
    attestation, not a DNS check: the publisher trusts its business customers' admins.
    Public webmail domains and a domain another organisation attested are refused
    (:class:`DomainRefused`); a unique index settles two admins racing for one domain
    (the loser is refused the same way)."""
    domain = domain.strip().lower().lstrip("@")
    if domain:
        _refuse_domain(organisation, domain)
    changed = domain != organisation.domain
    organisation.domain = domain
    if changed or organisation.domain_verified_at is None:
        organisation.domain_verified_at = timezone.now() if domain else None
    organisation.domain_join_enabled = bool(domain) and join_enabled
    try:
        with transaction.atomic():
            organisation.save(update_fields=["domain", "domain_verified_at", "domain_join_enabled"])
    except IntegrityError:
        raise DomainRefused(
            _("Another organisation already attested %(domain)s.") % {"domain": domain}
        ) from None
    record(SubscriptionTag.DOMAIN_ATTESTED, reader=by, organisation=organisation.pk, domain=domain)


@dataclass(frozen=True)
class SeatUsage:
    contracted: int
    taken: int
    pending_invitations: int
    seats: list[Seat]
    invitations: list[Invitation]

    @property
    def free(self) -> int:
        return self.contracted - self.taken


def seat_usage(subscription: Subscription) -> SeatUsage:
    seats = list(Seat.objects.filter(subscription=subscription).select_related("holder"))
    pending = list(subscription.invitations.filter(state=Invitation.State.PENDING))
    return SeatUsage(
        contracted=len(seats),
        taken=sum(1 for seat in seats if seat.holder_id),
        pending_invitations=len(pending),
        seats=seats,
        invitations=pending,
    )


def organisations_open_to(reader: Any) -> list[Organisation]:
    """Organisations whose attested, open domain matches one of the reader's verified
    addresses: shown on the subscription page as "join your organisation"."""
    from allauth.account.models import EmailAddress

    domains = {
        address.split("@", 1)[1].lower()
        for address in EmailAddress.objects.filter(user_id=reader.pk, verified=True).values_list(
            "email", flat=True
        )
        if "@" in address
    }
    if not domains:
        return []
    return list(
        Organisation.objects.filter(
            domain__in=domains, domain_join_enabled=True, domain_verified_at__isnull=False
        ).select_related("subscription")
    )
