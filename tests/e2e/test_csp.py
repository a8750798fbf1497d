"""The strict Content-Security-Policy breaks nothing: the main pages, the admin, and a
subscriber's article with its page script at work (heartbeat, live stream, the device
dialog on a second device, the dialog the script puts in when the reading moves) run
in the real browser without a single violation reported."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from kiosco.newsroom.models import BlockKind, Section
from kiosco.readers.models import Reader
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_device_dialog import PASSWORD as READER_PASSWORD
from tests.e2e.test_device_dialog import open_article, signed_in
from tests.newsroom.page_data import add_blocks, make_article
from tests.support.content import SECRET, subscriber_only_article
from tests.support.personas import personas

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
PAGES = ["/", "/culture/", "/plans/", "/accounts/login/", "/accounts/signup/"]
ADMIN_PAGES = [
    "/admin/",
    "/admin/newsroom/article/",
    "/admin/newsroom/article/add/",
    "/admin/subscriptions/plan/",
    "/admin/readers/reader/",
]


def _watch(page: Page) -> list[str]:
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(LISTEN)
    return console


def _assert_no_violation(page: Page, console: list[str], where: str) -> None:
    """None reported in the page's current document, nor on the console (any document)."""
    violations: Any = page.evaluate("window.__csp")
    assert violations == [] and console == [], (where, violations, console)


def _visit(page: Page, url: str, console: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
    page.wait_for_load_state("load")
    _assert_no_violation(page, console, url)


def _content() -> str:
    section = Section.objects.create(slug="culture", name="Culture")
    article = make_article(section, "quiet-bridge", headline="A quiet bridge")
    add_blocks(article, [(BlockKind.PARAGRAPH, "", "Under the bridge, in the rain.")])
    return article.get_absolute_url()


def test_it_loads_the_pages_without_a_csp_violation(live_server, page: Page, insecure_cookies):
    article = _content()
    console = _watch(page)
    for path in [*PAGES, article]:
        _visit(page, live_server.url + path, console)
    # The listener hears a real violation: an inline script without the nonce.
    page.evaluate("document.body.appendChild(document.createElement('script')).text = '1'")
    page.wait_for_function("window.__csp.length > 0")
    assert "script-src-elem inline" in page.evaluate("window.__csp")


def test_it_loads_the_admin_without_a_csp_violation(live_server, page: Page, insecure_cookies):
    _content()
    Reader.objects.create_superuser(email="editor@example.com", password=PASSWORD)
    console = _watch(page)
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "editor@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    for path in ADMIN_PAGES:
        _visit(page, live_server.url + path, console)


def _watching(new_context: Any) -> Any:
    """``new_context`` whose pages report CSP violations to ``window.__csp`` from the
    first script of every document on."""

    def make(**options: Any) -> Any:
        context = new_context(**options)
        context.add_init_script(LISTEN)
        return context

    return make


def _console_of(page: Page) -> list[str]:
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return console


def test_the_reading_page_and_the_device_dialog_run_without_a_csp_violation(
    new_context: Any, asgi_server: str, insecure_cookies: None
) -> None:
    alice = personas().alice
    alice.set_password(READER_PASSWORD)
    alice.save(update_fields=["password"])
    url = subscriber_only_article().get_absolute_url()
    laptop = signed_in(_watching(new_context), asgi_server, alice.email, **DESKTOP)
    laptop_console = _console_of(laptop)

    # The reading page: reader.js opens its live stream, then beats (a page that
    # becomes visible again beats at once, instead of in a minute).
    with laptop.expect_response("**/live/**") as stream:
        assert SECRET in open_article(laptop, asgi_server, url)
    assert stream.value.status == 200
    with laptop.expect_response("**/paywall/heartbeat/") as beat:
        laptop.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    assert beat.value.status == 200 and beat.value.json()["state"] == "reading"
    _assert_no_violation(laptop, laptop_console, "reading page")

    # A second device: the article comes as the dialog, opened as a modal.
    phone = signed_in(_watching(new_context), asgi_server, alice.email, **PHONE)
    phone_console = _console_of(phone)
    assert SECRET not in open_article(phone, asgi_server, url)
    phone.wait_for_function("document.querySelector('#lease-dialog').matches(':modal')")
    _assert_no_violation(phone, phone_console, "dialog on the second device")

    # Continuing there: the first page hears it on its stream, beats, and the script
    # puts the server's dialog fragment in place of the body.
    phone.get_by_role("button", name="Continue reading here").click()
    phone.wait_for_selector(".article-body p")
    laptop.wait_for_selector("#lease-dialog[data-state=displaced]")
    _assert_no_violation(phone, phone_console, "reading after continuing here")
    _assert_no_violation(laptop, laptop_console, "dialog put in by the page script")
