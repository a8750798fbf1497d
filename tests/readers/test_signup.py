"""Sign-up: a clear "check your email" page, and confirming the address in the same
browser signs the reader in and takes them where they were going."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.readers.conftest import PASSWORD
from tests.support.smtp import body, links

pytestmark = pytest.mark.django_db


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_it_signs_the_reader_in_when_they_confirm_their_address(smtp_server, commit):
    browser = Client()
    with commit():
        sent = browser.post(
            "/accounts/signup/?next=/plans/",
            {"email": "dora@example.com", "password1": PASSWORD, "password2": PASSWORD},
            follow=True,
        )
    assert b"Check your email" in sent.content
    message = smtp_server.wait_for(to="dora@example.com")
    assert "127.0.0.1" not in body(message).split("http")[0]  # no "an account on <host>"
    [link] = [u for u in links(message) if "/confirm-email/" in u]
    with commit():
        confirmed = browser.post(_path(link), follow=True)
    assert confirmed.redirect_chain[-1][0] == "/plans/"
    assert confirmed.wsgi_request.user.is_authenticated


def test_it_asks_for_a_sign_in_when_the_link_opens_on_another_device(smtp_server, commit):
    with commit():
        Client().post(
            "/accounts/signup/",
            {"email": "dora@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    [link] = [
        u for u in links(smtp_server.wait_for(to="dora@example.com")) if "/confirm-email/" in u
    ]
    other = Client()
    with commit():
        confirmed = other.post(_path(link), follow=True)
    assert not confirmed.wsgi_request.user.is_authenticated
    assert b"Sign in" in confirmed.content
