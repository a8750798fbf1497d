"""Operational endpoints, and the error handlers of the URLconf."""

import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import set_language as django_set_language

from kiosco.lib.edge import is_json_endpoint, problem
from kiosco.lib.origin import origin_checked

# What a restarting or unreachable database raises: the connection is gone, not the query wrong.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


@never_cache
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else (also the bench baseline)."""
    return HttpResponse("ok", content_type="text/plain")


# The footer's language switch is on every page, shared pages too: checked by Origin.
set_language = origin_checked(django_set_language)


@never_cache
@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers too."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any driver error means "not ready", never a traceback
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: what Django itself refuses (a bad host, a form too large) gets the
    edge's error shape too."""
    return problem(request, 400, _("Bad request"), _("The request could not be read."))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A database that does not answer (restarting, failing over) is a 503
    with a retry hint, so clients and proxies retry instead of reporting a bug."""
    failure = sys.exc_info()[1]
    if isinstance(failure, DATABASE_UNAVAILABLE):
        response = _database_unavailable(request)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if is_json_endpoint(request):
        return problem(request, 500, "Internal Server Error", "The error has been logged.")
    return HttpResponse(render_to_string("500.html"), status=500)


def _database_unavailable(request: HttpRequest) -> HttpResponse:
    if is_json_endpoint(request):
        return problem(request, 503, "Service Unavailable", "The database is not answering.")
    return HttpResponse(render_to_string("503.html"), status=503)
