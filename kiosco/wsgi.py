"""WSGI entry point: pages and the API run here (see ARCHITECTURE.md, Serving)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiosco.settings")
django.setup(set_prefix=False)

from kiosco.lib.handlers import KioscoWSGIHandler  # noqa: E402

# Django's handler, remembering which view each path resolves to (kiosco/lib/handlers.py).
application = KioscoWSGIHandler()
