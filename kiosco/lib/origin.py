"""CSRF for the forms on pages every visitor shares: checked by the request's Origin.

A page served alike to every anonymous visitor (an article, the front page: cached by
Kiosco and by any proxy in front) cannot carry a per-browser CSRF token. Its two
forms, the language switch and the newsletter sign-up, are checked instead by where
the POST comes from: browsers send ``Origin`` with every POST (and ``Sec-Fetch-Site``),
which no other site can set ("verifying origin with standard headers", OWASP's CSRF
cheat sheet). A client that sends neither must pass Django's token check as before.
A signed-in reader's session cookie is ``SameSite=Lax`` besides: a cross-site POST
arrives without it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def _unused(request: HttpRequest) -> HttpResponse:  # the middleware's view argument
    return HttpResponse()


def _origin_allowed(request: HttpRequest) -> bool:
    """Django's own Origin rule (this host, ``CSRF_TRUSTED_ORIGINS`` with its wildcard
    subdomains), as its CSRF middleware applies it before the token check."""
    django_check: Any = CsrfViewMiddleware(_unused)  # the rule is a private method
    return bool(django_check._origin_verified(request))


def refusal(request: HttpRequest) -> HttpResponse | None:
    """None when the POST may go on; else Django's CSRF failure page (403)."""
    origin = request.headers.get("Origin")
    if origin is not None:  # "null" (a sandboxed frame, a redirect) never matches
        allowed = _origin_allowed(request)
    elif "Sec-Fetch-Site" in request.headers:
        allowed = request.headers["Sec-Fetch-Site"] in ("same-origin", "none")
    else:  # no browser header at all: the token, as everywhere else
        check = CsrfViewMiddleware(_unused)
        return check.process_view(request, _unused, (), {})
    if allowed:
        return None
    failure = import_string(settings.CSRF_FAILURE_VIEW)
    return failure(request, reason="Origin not allowed")  # type: ignore[no-any-return]


def origin_checked(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a form on a shared page: its POST is checked by origin, not by token."""

    @csrf_exempt
    @wraps(view)
    def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method not in SAFE_METHODS:
            refused = refusal(request)
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    return checked
