"""Two browsers of one login keep taking the reading from each other until the
sharing notice shows, on both (a real browser against the embedded server)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_device_dialog import alice_and_article, open_article, shot, signed_in

__all__ = ["alice_and_article"]  # the fixture, shared with the device dialog's tests
pytestmark = pytest.mark.django_db(transaction=True)


def continue_here(page: Page) -> None:
    page.wait_for_selector("#lease-dialog")
    page.get_by_role("button", name="Continue reading here").click()
    page.wait_for_selector(".article-body p")


def test_two_devices_alternating_get_the_notice_on_both(
    new_context: Any, asgi_server: str, alice_and_article: tuple[str, str], settings: Any
) -> None:
    settings.KIOSCO_SHARING_MERGE_MINUTES = 0  # three takeovers within seconds, all counted
    email, url = alice_and_article
    laptop = signed_in(new_context, asgi_server, email, **DESKTOP)
    phone = signed_in(new_context, asgi_server, email, **PHONE)
    open_article(laptop, asgi_server, url)
    open_article(phone, asgi_server, url)
    continue_here(phone)
    continue_here(laptop)  # its dialog came live, with the button
    continue_here(phone)

    for page, name in ((laptop, "notice-desktop"), (phone, "notice-phone")):
        page.goto(asgi_server + "/")
        notice = page.locator("#sharing-notice")
        assert notice.is_visible()
        assert "seems to be shared" in notice.inner_text()
        page.get_by_text("Why am I seeing this?").click()
        assert page.locator(".sharing-collisions li").count() == 3
        shot(page, name)
