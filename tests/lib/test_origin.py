"""The forms on pages every visitor shares (the language switch, the newsletter
sign-up) carry no per-browser token: their POST is checked by the browser's Origin
(kiosco/lib/origin.py). Another site's POST changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def switch(browser: Client, headers: dict[str, str] | None = None) -> int:
    response = browser.post("/i18n/setlang/", {"language": "es", "next": "/"}, headers=headers)
    return response.status_code


def test_the_language_switch_works_from_the_editions_own_pages() -> None:
    browser = Client(enforce_csrf_checks=True)
    assert switch(browser, {"Origin": "http://testserver"}) == 302
    assert browser.cookies["django_language"].value == "es"


def test_a_browser_that_sends_only_fetch_metadata_is_believed() -> None:
    browser = Client(enforce_csrf_checks=True)
    assert switch(browser, {"Sec-Fetch-Site": "same-origin"}) == 302


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://elsewhere.example"},
        {"Origin": "null"},  # a sandboxed frame
        {"Origin": "http://testserver.elsewhere.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site too
        {},  # no browser header at all, and no token
    ],
)
def test_another_sites_post_changes_nothing(headers: dict[str, str]) -> None:
    browser = Client(enforce_csrf_checks=True)
    assert switch(browser, headers) == 403
    assert "django_language" not in browser.cookies


def test_a_client_without_browser_headers_may_still_send_the_token() -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")  # a page with a form: the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/i18n/setlang/", {"language": "es", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_a_trusted_origin_from_the_settings_is_allowed(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://news.example.org"]
    assert switch(Client(enforce_csrf_checks=True), {"Origin": "https://news.example.org"}) == 302


def test_a_trusted_wildcard_origin_covers_its_subdomains(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.org"]
    assert switch(Client(enforce_csrf_checks=True), {"Origin": "https://www.example.org"}) == 302
    assert switch(Client(enforce_csrf_checks=True), {"Origin": "https://example.net"}) == 403
