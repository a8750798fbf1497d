"""ASGI entry point for the embedded shape: one process serves the pages (Django) and
the live streams (``/live/`` → ``kiosco.live.app``), so the in-process notifier reaches
every open page. Production serves pages on WSGI and runs ``kiosco live`` apart."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiosco.settings")
django.setup(set_prefix=False)

from kiosco.lib.handlers import KioscoASGIHandler  # noqa: E402

# Django's handler, remembering which view each path resolves to (kiosco/lib/handlers.py).
django_application = KioscoASGIHandler()

from kiosco.live.app import application as live_application  # noqa: E402

LIVE_PREFIX = "/live/"


def route(pages, live):  # type: ignore[no-untyped-def]
    """``/live/`` to the live app, everything else to the pages."""

    async def application(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http" and scope["path"].startswith(LIVE_PREFIX):
            await live(scope, receive, send)
        else:
            await pages(scope, receive, send)

    return application


application = route(django_application, live_application)
