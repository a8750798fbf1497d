"""Settings of the readers app, with their defaults (override in kiosco/settings.py)."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from kiosco.lib.client_ip import Network, parse_trusted_proxies

DEVICE_COOKIE = "kiosco_device"
# Two years: the id only has to outlive the reader's interest in "Your devices".
DEVICE_COOKIE_AGE = 60 * 60 * 24 * 730


def device_touch_interval() -> int:
    """Seconds between two writes of a device's last_seen (a read is free)."""
    return int(getattr(settings, "KIOSCO_DEVICE_TOUCH_INTERVAL", 300))


def password_max_length() -> int:
    return int(getattr(settings, "KIOSCO_PASSWORD_MAX_LENGTH", 1024))


@cache
def _proxies(values: tuple[str, ...]) -> list[Network]:
    return parse_trusted_proxies(values)


def trusted_proxies() -> list[Network]:
    return _proxies(tuple(getattr(settings, "KIOSCO_TRUSTED_PROXIES", ())))
