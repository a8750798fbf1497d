"""Forms of the readers app. allauth's own forms do the accounts; these add the
password cap to the login form and the account page's small forms."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import (
    AddEmailForm,
    ChangeEmailForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
)
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from kiosco.readers import app_settings

EMAIL_MAX_LENGTH = 254  # Reader.email's column; allauth's forms do not check it


def _cap(form: forms.Form, name: str, max_length: int) -> None:
    """Refuse overlong input as a form error, before any query or hashing (an overlong
    email would otherwise reach PostgreSQL's varchar(254) and fail there)."""
    field = form.fields.get(name)
    if field is not None:
        field.max_length = max_length  # type: ignore[attr-defined]
        field.validators.append(MaxLengthValidator(max_length))
        field.widget.attrs["maxlength"] = str(max_length)


class ReaderLoginForm(LoginForm):
    """allauth's login form with length caps, checked before any hashing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _cap(self, "login", EMAIL_MAX_LENGTH)
        _cap(self, "password", app_settings.password_max_length())


class ReaderSignupForm(SignupForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _cap(self, "email", EMAIL_MAX_LENGTH)

    def try_save(self, request: HttpRequest) -> Any:
        """One transaction: the reader, their address and the sign-up event commit
        together or not at all (allauth writes them one autocommit at a time).

        For a known address allauth skips the hashing and the insert and mails the
        owner instead: about 80 ms sooner, which told who has an account. Spend the
        same on that path (``bench/bench_enumeration.py`` measures both, on SQLite and
        PostgreSQL): the hash, the inserts rolled back, and one committed write — the
        attempt, as a security event for the address's owner — since on PostgreSQL
        each commit's WAL flush is itself milliseconds."""
        with transaction.atomic():
            if self.account_already_exists:
                _spend_like_a_new_account(self.cleaned_data.get("password1") or "")
                _record_attempt(request, self.cleaned_data.get("email") or "")
            return super().try_save(request)


class _Discarded(Exception):
    pass


def _spend_like_a_new_account(password: str) -> None:
    """One password hash and the inserts of a new account, rolled back (a savepoint)."""
    from allauth.account.models import EmailAddress

    from kiosco.readers.models import Reader

    hashed = make_password(password)
    email = f"{get_random_string(24).lower()}@timing.invalid"
    try:
        with transaction.atomic():
            reader = Reader.objects.create(email=email, password=hashed)
            EmailAddress.objects.create(user=reader, email=email, primary=True)
            raise _Discarded
    except _Discarded:
        pass


def _record_attempt(request: HttpRequest, email: str) -> None:
    from kiosco.readers.events import EventTag, record
    from kiosco.readers.models import Reader
    from kiosco.readers.services import client_ip

    owner = Reader.objects.filter(email=email).first()
    record(EventTag.SIGNUP_EXISTING, reader=owner, ip_address=client_ip(request))


class ReaderResetPasswordForm(ResetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _cap(self, "email", EMAIL_MAX_LENGTH)


class ReaderAddEmailForm(AddEmailForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _cap(self, "email", EMAIL_MAX_LENGTH)


class ReaderChangeEmailForm(ChangeEmailForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _cap(self, "email", EMAIL_MAX_LENGTH)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language for our emails"), choices=settings.LANGUAGES)


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account and everything in it will be deleted for good."),
        required=True,
    )
