"""Bad input gets a clear message, never a 500."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from kiosco.readers.events import EventTag
from kiosco.readers.models import SecurityEvent
from tests.readers.conftest import PASSWORD
from tests.support.smtp import links

pytestmark = pytest.mark.django_db
LONG_EMAIL = "a" * 300 + "@example.com"
HUGE_PASSWORD = "x" * 4096


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


def test_it_refuses_a_4kb_password_at_signup_quickly(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    started = time.perf_counter()
    response = Client().post(
        "/accounts/signup/",
        {"email": "dora@example.com", "password1": HUGE_PASSWORD, "password2": HUGE_PASSWORD},
    )
    assert response.status_code == 200
    assert b"This password is too long" in response.content
    assert time.perf_counter() - started < 1.0


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


@pytest.mark.parametrize("key", ["garbage", "MQ:1rAbc:xyz", "%00", "a" * 500])
def test_it_explains_a_malformed_verification_key(key):
    response = Client().get(f"/accounts/confirm-email/{key}/")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert b"expired or is invalid" in response.content


def test_it_explains_an_expired_verification_key(smtp_server, settings):
    client = Client()
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
    assert b"expired or is invalid" in response.content
    assert client.post(path).status_code == 404  # allauth's answer to a stale form


def test_it_explains_a_malformed_reset_key():
    response = Client().get("/accounts/password/reset/key/zz-nonsense/", follow=True)
    assert response.status_code == 200
    assert b"Bad Token" in response.content or b"invalid" in response.content
