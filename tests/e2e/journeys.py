"""What every page of a reader's journey must show in the browser: no sideways
scrolling at a 360 px phone, no serious or critical axe-core violation, every flash
message once; and a screenshot of it kept under var/screenshots/ as an artifact."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# A small Android phone: the narrowest common screen the journeys must fit.
PHONE_360: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
SIZES = {"desktop-en": (DESKTOP, "en-US"), "phone-es": (PHONE_360, "es-ES")}
_AXE = Axe()


class Journey:
    """One reader's walk: ``check(name)`` after each page load."""

    def __init__(self, page: Page, label: str, live_url: str) -> None:
        self.page, self.label, self.url = page, label, live_url
        self.pages: list[str] = []

    def go(self, path: str, name: str) -> None:
        self.page.goto(self.url + path)
        self.check(name)

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.pages.append(name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=SCREENSHOTS / f"{self.label}-{len(self.pages):02d}-{name}.png", full_page=True
        )
        self._assert_fits(name)
        self._assert_messages_once(name)
        self._assert_accessible(name)

    def _assert_fits(self, name: str) -> None:
        widths = self.page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1], f"{name} is {widths[0]} px wide in a {widths[1]} px window"

    def _assert_messages_once(self, name: str) -> None:
        assert self.page.locator("ul.messages").count() <= 1, f"{name}: two message lists"
        texts = [t.strip() for t in self.page.locator(".message").all_inner_texts()]
        assert len(texts) == len(set(texts)), f"{name}: a message shown twice: {texts}"

    def _assert_accessible(self, name: str) -> None:
        results = _AXE.run(self.page)
        grave = [
            v for v in results.response["violations"] if v["impact"] in ("serious", "critical")
        ]
        assert not grave, f"{name}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in grave
        )

    def messages(self) -> str:
        return " ".join(self.page.locator(".message").all_inner_texts())


def link_in(text: str, fragment: str) -> str:
    """The path of the first link in ``text`` containing ``fragment``."""
    for url in re.findall(r"https?://[^\s<>\"]+", text):
        if fragment in url:
            return re.sub(r"^https?://[^/]+", "", url)
    raise AssertionError(f"no link with {fragment!r} in: {text[:400]}")


def emailed_link(inbox: Any, to: str, fragment: str) -> str:
    """The path of the first link containing ``fragment`` in the messages to ``to``,
    waiting for the next message until one has it."""
    from tests.support.smtp import body

    for count in range(1, 10):
        text = body(inbox.wait_for(to=to, count=count))
        if fragment in text:
            return link_in(text, fragment)
    raise AssertionError(f"no email to {to} with a {fragment!r} link")
