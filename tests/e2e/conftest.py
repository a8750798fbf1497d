"""Browser fixtures: the real Chromium (Debian's, never a downloaded one) through
Playwright's sync API, against pytest-django's ``live_server``.

Tests here need ``@pytest.mark.django_db(transaction=True)``: the live server runs in
another thread and only sees committed rows. Every test under tests/e2e is marked
``browser`` automatically, so ``-m "not browser"`` skips them all on a machine
without Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise
# refuse ORM calls made from the test body ("SynchronousOnlyOperation").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    sync_playwright,
)

from tests.support.smtp import smtp_server  # noqa: F401 - a fixture for the journeys

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A common small phone: 375 CSS pixels wide, touch, high density.
PHONE: dict[str, Any] = {
    "viewport": {"width": 375, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"The browser tests need Debian's chromium at {CHROMIUM} (make browser).")
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Any]:
    """Factory: ``new_context(**PHONE, locale="es-ES")``; every context is closed after
    the test, so cookies never leak from one test to the next."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("locale", "en-US")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Any) -> Page:
    """A desktop-sized page."""
    return new_context(**DESKTOP).new_page()


@pytest.fixture
def phone_page(new_context: Any) -> Page:
    """A page on a phone-sized, touch viewport."""
    return new_context(**PHONE).new_page()


@pytest.fixture
def insecure_cookies(settings: Any) -> None:
    """The live server speaks plain HTTP: let session and CSRF cookies travel on it
    (production keeps them Secure)."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def asgi_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The embedded shape's ASGI application (pages and ``/live/`` in one process) on a
    real HTTP server in a thread of this process, so it reads the test database and
    shares the in-process lease notifier, as ``kiosco serve --embedded`` does.
    pytest-django's live_server speaks WSGI only, which cannot hold an SSE stream.

    One server per test, stopped before the test's data is flushed: a page's release
    beacon sent while the browser closes must not reach the next test's database."""
    import socket
    import threading

    import uvicorn
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from kiosco.asgi import django_application, live_application, route

    # Static files from the source tree, as live_server serves them (no collectstatic).
    application = route(ASGIStaticFilesHandler(django_application), live_application)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        ws="none",
        timeout_graceful_shutdown=2,  # open live streams never end by themselves
    )
    server = uvicorn.Server(config)
    # The server's requests run in threads that come and go with each server; with
    # persistent connections each left one open, and the suite reached some fifty on
    # PostgreSQL (its limit is a hundred). Connections built from here on close at the
    # end of each request, as with CONN_MAX_AGE=0.
    from django.db import connections

    built_from = connections.settings["default"]
    kept_for = built_from["CONN_MAX_AGE"]
    built_from["CONN_MAX_AGE"] = 0
    with django_db_blocker.unblock():
        thread = threading.Thread(target=server.run, name="asgi-server", daemon=True)
        thread.start()
        started = threading.Event()
        for _ in range(200):  # bounded: at most 10 s for the socket to listen
            if server.started:
                started.set()
                break
            started.wait(0.05)
        assert server.started, "the ASGI test server did not start"
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)
    built_from["CONN_MAX_AGE"] = kept_for
