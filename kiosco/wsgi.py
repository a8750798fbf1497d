"""WSGI entry point: pages and the API run here (see ARCHITECTURE.md, Serving)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiosco.settings")
application = get_wsgi_application()
