"""Two devices of one reader: two test clients, each with its own device cookie."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kiosco.newsroom.models import Article
from kiosco.readers.models import Reader
from tests.support.content import subscriber_only_article


@pytest.fixture
def article(db) -> Article:
    return subscriber_only_article()


PASSWORD = "a long harbour password 42"


@pytest.fixture
def device() -> Callable[[Reader], Client]:
    """``device(alice)``: a browser of its own with its device cookie (the first
    request mints it), signed in through the real login form, so the reader's
    session list knows it as allauth knows every real sign-in."""
    with_password: set[int] = set()

    def make(reader: Reader) -> Client:
        if reader.pk not in with_password and not reader.has_usable_password():
            reader.set_password(PASSWORD)
            reader.save(update_fields=["password"])
        with_password.add(reader.pk)
        browser = Client()
        browser.get("/")
        response = browser.post("/accounts/login/", {"login": reader.email, "password": PASSWORD})
        assert response.status_code == 302, response.content[:300]
        browser.get("/")
        return browser

    return make
