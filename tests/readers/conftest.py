"""Fixtures for the readers tests: personas, a real sign-in through allauth, a fast
hasher (Argon2 is pinned by its own test), and a clean rate-limit cache per test.

Emails leave on commit (events are written in the action's transaction). Most tests
run inside one rolled-back transaction, where nothing commits: a test that needs the
emails wraps the requests in pytest-django's
``django_capture_on_commit_callbacks(execute=True)``."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client

from kiosco.readers.models import Reader
from tests.support.smtp import smtp_server  # noqa: F401 - a fixture for this package

PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')
UA_FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0"


@pytest.fixture(autouse=True)
def _fast_hasher_and_clean_limits(settings: Any, request: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """``with commit(): client.post(...)`` runs what the wrapped requests left for after
    commit (emails, cache updates) when the block ends, as a real commit would."""
    return functools.partial(django_capture_on_commit_callbacks, execute=True)


def make_reader(email: str, password: str = PASSWORD, language: str = "en") -> Reader:
    reader = Reader.objects.create_user(email=email, password=password, language=language)
    EmailAddress.objects.create(user=reader, email=email, verified=True, primary=True)
    return reader


@pytest.fixture
def alice(db: None) -> Reader:
    return make_reader("alice@example.com")


def sign_in(email: str, password: str = PASSWORD, **client_kwargs: Any) -> Client:
    """A browser (its own device cookie) signed in through allauth's real log-in."""
    client = Client(**client_kwargs)
    client.get("/accounts/login/")  # receives its kiosco_device cookie first
    response = client.post("/accounts/login/", {"login": email, "password": password})
    assert response.status_code == 302, response.content[:2000]
    return client


def reauthenticate(client: Client, password: str = PASSWORD) -> None:
    response = client.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302, response.content[:2000]


def without_csrf(content: bytes) -> bytes:
    return CSRF_INPUT.sub(b"", content)


@pytest.fixture
def signed_in() -> Callable[..., Client]:
    return sign_in
