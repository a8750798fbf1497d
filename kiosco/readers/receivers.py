"""Signal receivers: allauth and Django tell us what happened; services act and
record the security events. Connected in ``ReadersConfig.ready``."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account
from django.contrib.auth import signals as auth
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from kiosco.readers import services
from kiosco.readers.events import EventTag, record
from kiosco.readers.models import Reader
from kiosco.readers.snapshot import forget_reader


def _ip(request: HttpRequest | None) -> str | None:
    return services.client_ip(request) if request is not None else None


def on_logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    services.link_session_to_device(request)
    record(EventTag.LOGIN_SUCCEEDED, reader=user, ip_address=_ip(request))


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None and user.pk is not None:
        record(EventTag.LOGOUT, reader=user, ip_address=_ip(request))


def on_password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    services.link_session_to_device(request)
    services.end_sessions_after_password_change(request, user, reset=False)


def on_password_reset(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    services.end_sessions_after_password_change(request, user, reset=True)


def on_signed_up(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(EventTag.SIGNUP, reader=user, ip_address=_ip(request))


def on_email_confirmed(
    sender: Any, request: HttpRequest, email_address: Any, **kwargs: Any
) -> None:
    record(EventTag.EMAIL_VERIFIED, reader=email_address.user, ip_address=_ip(request))


def on_email_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(EventTag.EMAIL_CHANGED, reader=user, ip_address=_ip(request))


def on_reader_changed(sender: Any, instance: Reader, **kwargs: Any) -> None:
    """A saved or deleted reader (password, email, language…): its cached snapshot goes."""
    forget_reader(instance.pk)


def connect() -> None:
    post_save.connect(on_reader_changed, sender=Reader, dispatch_uid="kiosco.readers.saved")
    post_delete.connect(on_reader_changed, sender=Reader, dispatch_uid="kiosco.readers.deleted")
    account.user_logged_in.connect(on_logged_in, dispatch_uid="kiosco.readers.logged_in")
    auth.user_logged_out.connect(on_logged_out, dispatch_uid="kiosco.readers.logged_out")
    for signal in (account.password_changed, account.password_set):
        signal.connect(on_password_changed, dispatch_uid=f"kiosco.readers.{id(signal)}")
    account.password_reset.connect(on_password_reset, dispatch_uid="kiosco.readers.reset")
    account.user_signed_up.connect(on_signed_up, dispatch_uid="kiosco.readers.signed_up")
    account.email_confirmed.connect(on_email_confirmed, dispatch_uid="kiosco.readers.confirmed")
    account.email_changed.connect(on_email_changed, dispatch_uid="kiosco.readers.email_changed")
