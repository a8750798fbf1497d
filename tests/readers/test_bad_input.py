"""Bad input gets a clear message, never a 500."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kiosco.readers.events import EventTag
from kiosco.readers.models import Reader, SecurityEvent
from tests.readers.conftest import PASSWORD, reauthenticate, sign_in
from tests.support.smtp import links

pytestmark = pytest.mark.django_db
LONG_EMAIL = "a" * 300 + "@example.com"
HUGE_PASSWORD = "x" * 4096
EXPIRED_OR_INVALID = b"This email confirmation link expired or is invalid"
BAD_RESET_TOKEN = b"The password reset link was invalid, possibly because it has already been used."


def _text(content: bytes) -> bytes:
    """The page with its whitespace runs collapsed (templates wrap sentences)."""
    return re.sub(rb"\s+", b" ", content)


def test_it_refuses_an_overlong_email_everywhere_with_a_message():
    client = Client()
    for path, data in [
        ("/accounts/signup/", {"email": LONG_EMAIL, "password1": PASSWORD, "password2": PASSWORD}),
        ("/accounts/login/", {"login": LONG_EMAIL, "password": PASSWORD}),
        ("/accounts/password/reset/", {"email": LONG_EMAIL}),
    ]:
        response = client.post(path, data)
        assert response.status_code == 200, path
        assert b"at most" in response.content or b"valid email" in response.content, path


def test_it_refuses_an_overlong_email_in_the_email_change_form(alice):
    client = sign_in("alice@example.com")
    reauthenticate(client)
    response = client.post("/accounts/email/", {"action_add": "", "email": LONG_EMAIL})
    assert response.status_code == 200
    assert b"Ensure this value has at most 254 characters" in response.content
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_it_refuses_a_4kb_password_at_signup_and_creates_nothing(settings):
    # How long the refusal takes is measured in bench/, not asserted on a busy machine.
    settings.PASSWORD_HASHERS = ["kiosco.readers.hashers.ReaderArgon2PasswordHasher"]
    response = Client().post(
        "/accounts/signup/",
        {"email": "dora@example.com", "password1": HUGE_PASSWORD, "password2": HUGE_PASSWORD},
    )
    assert response.status_code == 200
    assert b"This password is too long" in response.content
    assert not Reader.objects.filter(email="dora@example.com").exists()


def test_it_refuses_a_4kb_password_at_login_without_trying_it(alice):
    response = Client().post(
        "/accounts/login/", {"login": "alice@example.com", "password": HUGE_PASSWORD}
    )
    assert response.status_code == 200
    assert b"at most 1024 characters" in response.content
    assert not SecurityEvent.objects.filter(tag=EventTag.LOGIN_FAILED).exists()


def test_it_answers_a_missing_csrf_token_with_a_403_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert b"This form has expired" in response.content


@pytest.mark.parametrize("key", ["garbage", "MQ:1rAbc:xyz", "a" * 500, "a%20b"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_explains_a_malformed_verification_key(key, method):
    response = getattr(Client(), method)(f"/accounts/confirm-email/{key}/")
    assert response.status_code == 200
    assert EXPIRED_OR_INVALID in _text(response.content)


def test_it_explains_an_expired_verification_key(smtp_server, settings, commit):
    client = Client()
    with commit():
        client.post(
            "/accounts/signup/",
            {"email": "dora@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    [link] = [
        u for u in links(smtp_server.wait_for(to="dora@example.com")) if "/confirm-email/" in u
    ]
    settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = -1
    path = link.split("testserver", 1)[1]
    response = client.get(path)  # where the emailed link lands
    assert response.status_code == 200
    assert EXPIRED_OR_INVALID in _text(response.content)
    stale_form = client.post(path)  # the page was opened before the key expired
    assert stale_form.status_code == 200
    assert EXPIRED_OR_INVALID in _text(stale_form.content)


@pytest.mark.parametrize("key", ["zz-nonsense", "1-set-password", "0-" + "a" * 300])
def test_it_explains_a_malformed_reset_key(key):
    response = Client().get(f"/accounts/password/reset/key/{key}/", follow=True)
    assert response.status_code == 200
    assert BAD_RESET_TOKEN in _text(response.content)
