"""ASGI entry point for the embedded shape: one process serves pages and, once the
live app exists, routes ``/live/`` to it."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiosco.settings")
application = get_asgi_application()
