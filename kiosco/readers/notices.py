"""Telling a device why it was signed out, once.

When a session ends elsewhere — a password changed or reset on another device, or
this device signed out from "Your devices" — its next request is simply anonymous and
the reader would meet the paywall with no word of why. So ending a session leaves a
marker for its device id (the device cookie outlives the session); the device's
next page reads it, shows one message and drops it.

The marker lives in the cache: it may be lost (a restart, an evicted key), and then
the reader only misses the explanation, never access. It expires after a month.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kiosco.readers.events import EventTag

_KEY = "kiosco:readers:signed-out:{device}"
_TTL = 60 * 60 * 24 * 30
_TEXTS = {
    "password_changed": lambda: _(
        "You were signed out on this device because the password of your account was "
        "changed on another device. Sign in again with the new password."
    ),
    "password_reset": lambda: _(
        "You were signed out on this device because the password of your account was "
        "reset. Sign in again with the new password."
    ),
    "device_signed_out": lambda: _(
        "This device was signed out from the list of your account's devices. Sign in "
        "again to keep reading."
    ),
}


# The reasons services.end_sessions is given, by the notice each earns.
_KINDS = {
    str(EventTag.PASSWORD_CHANGED): "password_changed",
    str(EventTag.PASSWORD_RESET): "password_reset",
    "device_signed_out": "device_signed_out",
    "signed_out_others": "device_signed_out",
}


def remember_sign_out(device_id: str, reason: str) -> None:
    """Called as a session of ``device_id`` ends for ``reason``."""
    kind = _KINDS.get(reason)
    if device_id and kind:
        cache.set(_KEY.format(device=device_id), kind, _TTL)


def tell_signed_out_device(request: HttpRequest) -> None:
    """On an anonymous request that still carries a session cookie (it was signed in),
    show why its session ended — once."""
    device_id = getattr(request, "device_id", "")
    if not device_id or request.user.is_authenticated:
        return
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return
    key = _KEY.format(device=device_id)
    kind = cache.get(key)
    if kind in _TEXTS:
        cache.delete(key)
        messages.info(request, _TEXTS[kind]())
