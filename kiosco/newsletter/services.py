"""Newsletter subscriber rules: sign-up with double opt-in, one-click sign-up for
signed-in readers, confirmation, pause, leaving, suppression, the bounce webhook, and
the reader's export and deletion. Only these functions save subscribers.

Sending an issue lives in ``issues.py``."""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from kiosco.lib import confirmation
from kiosco.newsletter import app_settings
from kiosco.newsletter.mail import preferences_url, subscriber_token
from kiosco.newsletter.models import Consent, Subscriber, Suppression, WebhookEvent
from kiosco.newsroom.seo import public_url
from kiosco.readers.events import record
from kiosco.readers.models import Reader
from kiosco.subscriptions.billing.base import BadEvent
from kiosco.subscriptions.billing.webhook import load_json, verify

OPTIN = "newsletter_optin"
confirmation.register_kind(OPTIN, app_settings.confirm_lifetime())
WEBHOOK_KINDS = ("bounce", "complaint", "unsubscribe")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_digest(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def truncate_ip(ip: str | None) -> str:
    """The network, never the host: /24 for IPv4, /48 for IPv6 (consent evidence
    without keeping who exactly)."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _record_consent(subscriber: Subscriber, action: str, evidence: dict[str, str]) -> None:
    Consent.objects.create(
        subscriber=subscriber,
        action=action,
        source=evidence.get("source", "")[: app_settings.SOURCE_MAX],
        wording_version=app_settings.SIGNUP_WORDING_VERSION,
        ip_prefix=truncate_ip(evidence.get("ip")),
        user_agent=evidence.get("user_agent", "")[: app_settings.USER_AGENT_MAX],
    )


def _subscriber_for(email: str, language: str) -> Subscriber:
    """The row of this address on this list, made if new. Two sign-ups racing: the
    loser's insert fails on the unique pair and it reads the winner's row."""
    email = normalise_email(email)
    try:
        with transaction.atomic():
            return Subscriber.objects.get_or_create(email=email, language=language)[0]
    except IntegrityError:
        return Subscriber.objects.get(email=email, language=language)


def sign_up(email: str, language: str, evidence: dict[str, str]) -> None:
    """Anonymous sign-up. Whatever the address's state, the caller shows the same
    answer; the address gets an opt-in mail (new, pending or gone) or an "already
    subscribed" one — at most one per cooldown."""
    with transaction.atomic():
        subscriber = _subscriber_for(email, language)
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        now = timezone.now()
        if subscriber.mailed_at and now - subscriber.mailed_at < app_settings.resend_cooldown():
            return  # cooled down: nothing new leaves, the page says the same
        subscriber.mailed_at = now
        subscriber.save(update_fields=["mailed_at"])
        if subscriber.status in (Subscriber.Status.CONFIRMED, Subscriber.Status.PAUSED):
            transaction.on_commit(lambda: _mail_already_subscribed(subscriber))
            return
        _record_consent(subscriber, Consent.Action.SIGNED_UP, evidence)
        link = confirmation.create_confirmation(
            OPTIN, subscriber.pk, data={"source": evidence.get("source", "")[:300]}
        )
        key = str(link.key)
        transaction.on_commit(lambda: _mail_opt_in(subscriber, key))


def subscribe_reader(reader: Reader, language: str, evidence: dict[str, str]) -> Subscriber:
    """One click for a signed-in reader: their address is verified already (allauth's
    mandatory verification), so the subscription is confirmed at once."""
    with transaction.atomic():
        subscriber = _subscriber_for(reader.email, language)
        _confirm(subscriber, reader, evidence)
    return subscriber


def _confirm(subscriber: Subscriber, reader: Reader | None, evidence: dict[str, str]) -> None:
    subscriber.status = Subscriber.Status.CONFIRMED
    subscriber.confirmed_at = timezone.now()
    subscriber.unsubscribed_at = None
    subscriber.reader = reader or subscriber.reader
    subscriber.save(update_fields=["status", "confirmed_at", "unsubscribed_at", "reader"])
    _record_consent(subscriber, Consent.Action.CONFIRMED, evidence)
    record("newsletter:subscriber:confirmed", reader=subscriber.reader, list=subscriber.language)


def peek_opt_in(key: str) -> Subscriber:
    """The subscriber an opt-in link names, unchanged (GET and HEAD)."""
    link = confirmation.peek(OPTIN, key)
    return Subscriber.objects.get(pk=link.object_id)


def confirm_subscription(key: str, evidence: dict[str, str]) -> Subscriber:
    """Use an opt-in key (POST only). Raises ``confirmation.ConfirmationError``."""
    with transaction.atomic():
        link = confirmation.consume(OPTIN, key)
        subscriber = Subscriber.objects.select_for_update().get(pk=link.object_id)
        source = {**evidence, "source": link.data.get("source", "")}
        _confirm(subscriber, _reader_owning(subscriber.email), source)
    return subscriber


def _reader_owning(email: str) -> Reader | None:
    from allauth.account.models import EmailAddress

    # Exact normalised addresses, never SQL's case-insensitive match (PostgreSQL folds a
    # dotless i, U+0131, into I: a look-alike address would join somebody else's account).
    owned = EmailAddress.objects.filter(email=normalise_email(email), verified=True).first()
    return owned.user if owned else None  # type: ignore[return-value]


def _move(subscriber: Subscriber, to: str, *, allowed_from: tuple[str, ...]) -> Subscriber:
    """Compare-and-set: the subscriber moves to ``to`` only from ``allowed_from``,
    judged on the row as it is now (one UPDATE), never on the copy the caller read. A
    page read before an unsubscribe (a complaint, a one-click link) therefore cannot
    resume the address; the loser changes nothing and gets the row as it now is."""
    Status = Subscriber.Status
    moved = Subscriber.objects.filter(pk=subscriber.pk, status__in=allowed_from).update(
        status=to, unsubscribed_at=timezone.now() if to == Status.UNSUBSCRIBED else None
    )
    subscriber.refresh_from_db(fields=["status", "unsubscribed_at"])
    if moved:
        record(f"newsletter:subscriber:{to}", reader=subscriber.reader, list=subscriber.language)
    return subscriber


def unsubscribe(subscriber: Subscriber) -> Subscriber:
    """Leave the list, at once (the next batch of any send skips the address)."""
    Status = Subscriber.Status
    return _move(
        subscriber,
        Status.UNSUBSCRIBED,
        allowed_from=(Status.PENDING, Status.CONFIRMED, Status.PAUSED),
    )


def pause(subscriber: Subscriber) -> Subscriber:
    """Only a confirmed subscription pauses (pausing one that left would let a resume
    bring it back without a new opt-in)."""
    Status = Subscriber.Status
    return _move(subscriber, Status.PAUSED, allowed_from=(Status.CONFIRMED,))


def resume(subscriber: Subscriber) -> Subscriber:
    """A paused subscription goes on; one that left must sign up again (consent)."""
    Status = Subscriber.Status
    return _move(subscriber, Status.CONFIRMED, allowed_from=(Status.PAUSED,))


def subscriptions_of(reader: Reader) -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(
        Q(reader=reader) | Q(email=normalise_email(reader.email))
    ).order_by("language")


def suppress(email: str, reason: str) -> None:
    Suppression.objects.get_or_create(email_digest=email_digest(email), defaults={"reason": reason})


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email_digest=email_digest(email)).exists()


def receive_webhook(body: bytes, header: str | None) -> dict[str, Any]:
    """A signed bounce / complaint / unsubscribe event from the mail provider.
    Raises ``BadEvent`` (a 400) for a bad signature, a stale timestamp or bad JSON;
    an event id seen before is a no-op."""
    verify(body, header, app_settings.webhook_secret(), app_settings.webhook_tolerance())
    data = load_json(body)
    event_id, kind, email = data.get("id"), data.get("type"), data.get("email")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 120:
        raise BadEvent("id must be a non-empty string of at most 120 characters")
    if kind not in WEBHOOK_KINDS:
        raise BadEvent(f"type must be one of {', '.join(WEBHOOK_KINDS)}")
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        raise BadEvent("email must be an address")
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(event_id=event_id, kind=kind)
            _apply_webhook(kind, email)
    except IntegrityError:
        return {"received": True, "duplicate": True}
    return {"received": True, "duplicate": False}


def _apply_webhook(kind: str, email: str) -> None:
    if kind in ("bounce", "complaint"):
        suppress(email, kind)
    for subscriber in Subscriber.objects.filter(email=normalise_email(email)):
        if kind != "bounce" and subscriber.status != Subscriber.Status.UNSUBSCRIBED:
            unsubscribe(subscriber)


def export_reader_newsletter(reader: Reader) -> dict[str, Any]:
    """The reader's newsletter section of the data export (KIOSCO_READER_EXPORTERS)."""
    return {
        "newsletter": [
            {
                "email": s.email,
                "list": s.language,
                "status": s.status,
                "created_at": s.created_at.isoformat(),
                "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
                "consents": [
                    {
                        "action": c.action,
                        "at": c.given_at.isoformat(),
                        "source": c.source,
                        "wording_version": c.wording_version,
                        "ip_prefix": c.ip_prefix,
                        "user_agent": c.user_agent,
                    }
                    for c in s.consents.order_by("given_at")
                ],
                "issues_sent": s.deliveries.filter(status="sent").count(),
            }
            for s in subscriptions_of(reader)
        ]
    }


def forget_reader(reader: Reader) -> None:
    """Account deletion: the reader's subscriptions, consents and deliveries go, and
    their opt-in links stop working. (Suppressions keep only a digest.)"""
    gone = list(subscriptions_of(reader).values_list("pk", flat=True))
    for subscriber_id in gone:
        confirmation.withdraw(OPTIN, subscriber_id)
    Subscriber.objects.filter(pk__in=gone).delete()


def _mail(subscriber: Subscriber, template: str, context: dict[str, Any]) -> None:
    with translation.override(subscriber.language):
        subject = render_to_string(f"newsletter/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"newsletter/email/{template}.txt", context)
    send_mail(subject, body, app_settings.from_email(), [subscriber.email])


def _mail_opt_in(subscriber: Subscriber, key: str) -> None:
    url = public_url(reverse("newsletter:confirm", args=[key]))
    days = app_settings.confirm_lifetime().days
    _mail(subscriber, "confirm", {"confirm_url": url, "days": days})


def _mail_already_subscribed(subscriber: Subscriber) -> None:
    url = preferences_url(subscriber_token(subscriber))
    _mail(subscriber, "already", {"preferences_url": url})


def evidence_from(request: Any, source: str = "") -> dict[str, str]:
    """Consent evidence from a request: the page it came from, address, browser."""
    from kiosco.readers.services import client_ip

    return {
        "source": source or request.path,
        "ip": client_ip(request) or "",
        "user_agent": request.headers.get("user-agent", ""),
    }
