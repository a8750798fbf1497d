"""Our allauth adapter: where allauth asks, Kiosco answers — the client IP (trusted
proxies only), the language of an email (the reader's), failed-login events, and the
rate-limit refusal of a login recorded as an event."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils import translation

from kiosco.readers import services
from kiosco.readers.events import EventTag, record
from kiosco.readers.models import Reader, normalise_email


class ReaderAccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's own X-Forwarded-For reading trusts a proxy count; ours trusts named
        # proxies (KIOSCO_TRUSTED_PROXIES). Rate limits and usersessions both use this.
        return services.client_ip(request) or "0.0.0.0"

    def save_user(
        self, request: HttpRequest, user: AbstractBaseUser, form: BaseForm, commit: bool = True
    ) -> AbstractBaseUser:
        # A new reader's emails come in the language they signed up in.
        language = translation.get_language() or settings.LANGUAGE_CODE
        user.language = language if language in dict(settings.LANGUAGES) else "en"  # type: ignore[attr-defined]
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render in the reader's language, and send only once the transaction that
        caused the email commits (a rolled-back change sends nothing)."""
        context = {
            "edition_name": settings.KIOSCO_EDITION_NAME,
            "current_site": _edition(),
            **context,
        }
        language = _language_for(email, context)
        parent_send = super().send_mail

        def send() -> None:
            with translation.override(language):
                parent_send(template_prefix, email, context)

        transaction.on_commit(send)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Too many failed logins: the 429 page (allauth's login form would show a form
        error instead; every other refusal is the 429 page, so this one is too)."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            record(
                EventTag.RATE_LIMITED, ip_address=services.client_ip(request), action="login_failed"
            )
            raise ImmediateHttpResponse(respond_429(request)) from None

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        email = normalise_email(credentials.get("email", ""))
        reader = Reader.objects.filter(email=email).first()
        record(EventTag.LOGIN_FAILED, reader=reader, ip_address=services.client_ip(request))


def _edition() -> SimpleNamespace:
    # allauth's mails name "the site" from django.contrib.sites (example.com unless an
    # operator edits the row); the edition's name and public address are what we mean.
    return SimpleNamespace(
        name=settings.KIOSCO_EDITION_NAME, domain=urlsplit(settings.KIOSCO_PUBLIC_URL).netloc
    )


def _language_for(email: str, context: dict[str, Any]) -> str:
    user = context.get("user")
    if user is None:
        email = normalise_email(email)
        address = EmailAddress.objects.filter(email=email).select_related("user").first()
        user = address.user if address else Reader.objects.filter(email=email).first()
    language = str(getattr(user, "language", None) or "")
    if language:
        return language
    return translation.get_language() or settings.LANGUAGE_CODE
