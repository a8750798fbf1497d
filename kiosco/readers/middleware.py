"""The device cookie: a browser gets a random id (``kiosco_device``) with the first
response that is its own, and signed-in browsers keep their Device row's last_seen
fresh. A Device row is made only for an id the browser has sent back. A page every
anonymous visitor shares (``Cache-Control: public``: the front page, an article) sets
no cookie, or a proxy could not share it; the sign-in page and everything after it do."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from kiosco.readers import app_settings, services
from kiosco.readers.notices import tell_signed_out_device
from kiosco.readers.sessions import keep_reader_cookie


class DeviceMiddleware:
    """Sets ``request.device_id``. Place it after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookie = request.COOKIES.get(app_settings.DEVICE_COOKIE)
        known = services.is_device_id(cookie)
        device_id = cookie if known and cookie else services.new_device_id()
        cast(services.DeviceRequest, request).device_id = device_id
        if known:
            tell_signed_out_device(request)  # signed out elsewhere: say why, once
        response = self.get_response(request)
        if not known and "public" not in response.get("Cache-Control", ""):
            response.set_cookie(
                app_settings.DEVICE_COOKIE,
                device_id,
                max_age=app_settings.DEVICE_COOKIE_AGE,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        keep_reader_cookie(request, response)
        _touch_if_due(request)
        return response


def _touch_if_due(request: HttpRequest) -> None:
    """At most one write per touch interval: the session remembers when this device
    last wrote its last_seen, so most requests cost no query at all."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated:
        return
    if services.echoed_device_id(request) is None:
        return  # a new id: linked once the browser sends it back (never a row per request)
    seen = session.get(services.SESSION_DEVICE_KEY) or ["", 0.0]
    due = seen[0] != services.device_id_of(request) or (
        timezone.now().timestamp() - float(seen[1]) >= app_settings.device_touch_interval()
    )
    if due:
        services.link_session_to_device(request)


class ReaderAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's, with ``request.user`` resolved at once instead of wrapped in a lazy
    object: a page reads it a hundred times (templates, middleware, the paywall), and
    every read through the wrapper costs a call. Resolving is cheap: with no session
    cookie there is nothing to load, and a signed-in reader comes from the cache."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        _carry_over_backend(request)
        request.user = auth.get_user(request)


# Sessions made before the backends read the reader from the cache name Django's and
# allauth's own classes; Django drops a session whose backend is no longer listed, which
# would have signed every reader out at the upgrade.
_FORMER_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "kiosco.readers.backends.StaffBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "kiosco.readers.backends.ReaderBackend",
}


def _carry_over_backend(request: HttpRequest) -> None:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return  # nothing to load
    former = request.session.get(auth.BACKEND_SESSION_KEY)
    if former in _FORMER_BACKENDS:
        request.session[auth.BACKEND_SESSION_KEY] = _FORMER_BACKENDS[former]
