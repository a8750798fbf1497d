"""The floor: a minimal Django project, one view that answers "ok" (no middleware, no
database, no template), served by granian like Kiosco. `bench_page_path.py` runs it
as ``python -m granian --interface wsgi bench.minimal_django:application``."""

from __future__ import annotations

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.urls import path


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("", ok)]

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-minimal-" + "m" * 40,
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        USE_I18N=False,
    )
    django.setup()

application = WSGIHandler()
