"""One device at a time in the real browser: two browser contexts are two devices of
one Digital reader (alice), against the embedded shape's ASGI app (pages + live)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from kiosco.leases import services as leases
from kiosco.leases.timing import timing
from tests.e2e.conftest import DESKTOP, PHONE
from tests.support.content import SECRET, subscriber_only_article
from tests.support.personas import personas

PASSWORD = "a long harbour password 42"
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts" / "device-dialog"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice_and_article(insecure_cookies: None) -> tuple[str, str]:
    alice = personas().alice
    alice.set_password(PASSWORD)
    alice.save(update_fields=["password"])
    return alice.email, subscriber_only_article().get_absolute_url()


@pytest.fixture
def laptop_and_phone(
    new_context: Any, asgi_server: str, alice_and_article: tuple[str, str]
) -> tuple[Page, Page, str]:
    """Alice signed in on a laptop and a phone, and her subscriber-only article's path."""
    email, url = alice_and_article
    laptop = signed_in(new_context, asgi_server, email, **DESKTOP)
    return laptop, signed_in(new_context, asgi_server, email, **PHONE), url


def signed_in(new_context: Any, server: str, email: str, **size: Any) -> Page:
    page = new_context(**size).new_page()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(server + "/")
    return page


def open_article(page: Page, server: str, url: str) -> str:
    response = page.goto(server + url)
    assert response is not None and response.status == 200
    return response.text()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_the_second_device_gets_the_dialog_and_continuing_displaces_the_first_live(
    asgi_server: str, laptop_and_phone: tuple[Page, Page, str]
) -> None:
    laptop, phone, url = laptop_and_phone
    assert SECRET in open_article(laptop, asgi_server, url)
    laptop.evaluate("window.stillTheSamePage = true")

    phone_html = open_article(phone, asgi_server, url)

    assert SECRET not in phone_html  # the HTTP response itself, not just the screen
    dialog = phone.locator("#lease-dialog")
    assert dialog.is_visible() and "one device at a time" in dialog.inner_text()
    shot(phone, "busy-phone")

    phone.get_by_role("button", name="Continue reading here").click()
    phone.wait_for_selector(".article-body p")
    assert SECRET in phone.content()

    laptop.wait_for_selector("#lease-dialog[data-state=displaced]", timeout=5_000)
    assert laptop.evaluate("window.stillTheSamePage") is True  # no reload
    assert laptop.locator(".article-body").count() == 0
    assert SECRET not in laptop.content()
    shot(laptop, "displaced-desktop")
    assert SECRET not in open_article(laptop, asgi_server, url)  # its next request too


def test_the_dialog_works_by_keyboard_alone_and_has_no_serious_accessibility_fault(
    asgi_server: str, laptop_and_phone: tuple[Page, Page, str]
) -> None:
    laptop, phone, url = laptop_and_phone
    open_article(laptop, asgi_server, url)
    open_article(phone, asgi_server, url)
    phone.wait_for_function("document.querySelector('#lease-dialog').matches(':modal')")
    assert phone.evaluate("!!document.activeElement.closest('#lease-dialog')")
    assert serious_violations(phone) == []
    for _ in range(12):  # Tab never leaves the dialog
        phone.keyboard.press("Tab")
        assert phone.evaluate("!!document.activeElement.closest('#lease-dialog')")
    phone.keyboard.press("Escape")
    assert phone.locator("#lease-dialog").is_visible()  # the choices stay on screen

    phone.focus("#lease-dialog .lease-continue button")
    phone.keyboard.press("Enter")

    phone.wait_for_selector(".article-body p")
    assert SECRET in phone.content()
    laptop.wait_for_selector("#lease-dialog[data-state=displaced]", timeout=5_000)
    assert serious_violations(laptop) == []
    shot(laptop, "displaced-for-axe")


def test_honest_hand_offs_are_never_challenged(
    new_context: Any, asgi_server: str, alice_and_article: tuple[str, str]
) -> None:
    email, url = alice_and_article
    phone = signed_in(new_context, asgi_server, email, **PHONE)
    laptop = signed_in(new_context, asgi_server, email, **DESKTOP)
    assert SECRET in open_article(phone, asgi_server, url)

    # The phone is put away: the page turns hidden and its beacon frees the slot.
    with phone.expect_response("**/paywall/release/") as released:
        phone.evaluate(
            "Object.defineProperty(document, 'visibilityState',"
            " {value: 'hidden', configurable: true});"
            "document.dispatchEvent(new Event('visibilitychange'))"
        )
    assert released.value.status == 204
    laptop.clock.install()
    with laptop.expect_response("**/live/lease") as streaming:
        assert SECRET in open_article(laptop, asgi_server, url)  # no dialog
    assert streaming.value.status == 200  # its stream checked the lease: nothing pending

    # The laptop tab is then left visible and untouched for four minutes, its timers
    # stopped as a locked screen's are (no heartbeat, no release): only the server's
    # clock moves. (A page still running would have freed the slot after its idle.)
    laptop.clock.pause_at(laptop.evaluate("Date.now()") / 1000 + 1)  # seconds
    store = leases.store()
    store.offset += 240
    try:
        assert SECRET in open_article(phone, asgi_server, url)
    finally:
        store.offset -= 240


def test_an_idle_page_in_view_frees_the_reading_and_input_brings_it_back(
    asgi_server: str, laptop_and_phone: tuple[Page, Page, str]
) -> None:
    laptop, phone, url = laptop_and_phone
    laptop.clock.install()  # the page's own clock: its idle without waiting for it
    assert SECRET in open_article(laptop, asgi_server, url)
    laptop.evaluate("window.stillTheSamePage = true")
    idle = int(timing().release_after_idle_seconds * 1000) + 1_000

    # Left in view, untouched: the page frees the slot by itself.
    with laptop.expect_response("**/paywall/release/") as released:
        laptop.clock.fast_forward(idle)
    assert released.value.status == 204
    # Touched again with nobody else reading: it asks once and reads on, as it was.
    with laptop.expect_response("**/paywall/heartbeat/") as asked:
        laptop.mouse.move(200, 300)
    assert asked.value.json()["state"] == "reading"
    assert laptop.evaluate("window.stillTheSamePage") is True
    assert SECRET in laptop.content()

    # Left again: the phone then reads at once, with no dialog on either screen.
    with laptop.expect_response("**/paywall/release/"):
        laptop.clock.fast_forward(idle)
    assert SECRET in open_article(phone, asgi_server, url)
    # Back at the laptop: the reading is on the phone now, so the dialog shows.
    laptop.mouse.move(300, 400)
    laptop.wait_for_selector("#lease-dialog", timeout=5_000)
    assert laptop.locator(".article-body").count() == 0
    assert SECRET in phone.content()


HIDDEN = (
    "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
    "Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
)
SHOWN = (
    "Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});"
    "Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
    "document.dispatchEvent(new Event('visibilitychange'))"
)


def test_a_page_rendered_in_a_background_tab_gives_the_reading_back_at_once(
    asgi_server: str, laptop_and_phone: tuple[Page, Page, str]
) -> None:
    laptop, phone, url = laptop_and_phone
    laptop.add_init_script(HIDDEN)  # tabs restored at start-up: nobody looks at them
    with laptop.expect_response("**/paywall/release/") as released:
        open_article(laptop, asgi_server, url)
    assert released.value.status == 204
    assert SECRET in open_article(phone, asgi_server, url)  # no dialog

    laptop.evaluate(SHOWN)  # looked at, later: it asks, and the phone has the reading
    laptop.wait_for_selector("#lease-dialog", timeout=5_000)
    assert laptop.locator(".article-body").count() == 0
