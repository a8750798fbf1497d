"""The live service on its own (production: ``kiosco live``, behind the proxy that
routes ``/live/`` here). Django is set up for its settings, signing and database."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiosco.settings")
django.setup()

from kiosco.live.app import application  # noqa: E402

__all__ = ["application"]
