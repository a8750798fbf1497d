"""The page script reads the CSRF token from its cookie: a setting that hides the
cookie from scripts stops the edition at start-up (a system check), not every reader's
heartbeat in silence."""

from __future__ import annotations

from typing import Any

from kiosco.paywall.apps import csrf_cookie_readable


def test_it_refuses_a_csrf_cookie_scripts_cannot_read(settings: Any) -> None:
    assert csrf_cookie_readable(None) == []
    settings.CSRF_COOKIE_HTTPONLY = True
    assert [error.id for error in csrf_cookie_readable(None)] == ["kiosco.paywall.E001"]
    settings.CSRF_COOKIE_HTTPONLY, settings.CSRF_USE_SESSIONS = False, True
    assert [error.id for error in csrf_cookie_readable(None)] == ["kiosco.paywall.E001"]
