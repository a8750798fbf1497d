from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class PaywallConfig(AppConfig):
    name = "kiosco.paywall"
    verbose_name = "Paywall"

    def ready(self) -> None:
        checks.register(csrf_cookie_readable, checks.Tags.security)


def csrf_cookie_readable(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """The page script (reader.js) sends the heartbeat with the CSRF cookie's token: the
    reading panel is the same for every reader, so it carries none of its own."""
    if settings.CSRF_COOKIE_HTTPONLY or settings.CSRF_USE_SESSIONS:
        return [
            checks.Error(
                "CSRF_COOKIE_HTTPONLY and CSRF_USE_SESSIONS must stay off: the subscriber "
                "page's script reads the CSRF token from its cookie (heartbeat, release).",
                id="kiosco.paywall.E001",
            )
        ]
    return []
