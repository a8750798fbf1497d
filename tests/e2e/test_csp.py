"""The strict Content-Security-Policy breaks nothing: the main pages and the admin load
in the real browser without a single violation reported."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from kiosco.newsroom.models import BlockKind, Section
from kiosco.readers.models import Reader
from tests.newsroom.page_data import add_blocks, make_article

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


def _visit(page: Page, url: str, console: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
    page.wait_for_load_state("load")
    violations: Any = page.evaluate("window.__csp")
    assert violations == [] and console == [], (url, violations, console)


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
