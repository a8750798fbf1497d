"""Ask subscribers to accept a new version of the terms at their next visit.

Cheap by design: one cache read (the current version id) per signed-in GET; the
session remembers the version this reader was checked against, so the database is
asked once per reader per version.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from kiosco.subscriptions.services.entitlements import entitlements_for
from kiosco.subscriptions.services.terms import current_terms_id, has_accepted

SESSION_KEY = "kiosco_terms_checked"
# Pages a reader must reach without accepting: the terms themselves, signing in and
# out, machine endpoints and assets.
EXEMPT_PREFIXES = (
    "/terms/",
    "/accounts/",
    "/account/",
    "/admin/",
    "/static/",
    "/billing/",
    "/i18n/",
    "/live/",
    "/api/",
    "/leases/",
    "/invitations/",
)


class TermsAcceptanceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_accept(request):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('subscriptions:terms_accept')}?{query}")
        return self.get_response(request)

    def _must_accept(self, request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if request.method != "GET" or user is None or not user.is_authenticated:
            return False
        if request.path.startswith(EXEMPT_PREFIXES):
            return False
        version = current_terms_id()
        if version is None or request.session.get(SESSION_KEY) == version:
            return False
        if has_accepted(user, version) or not entitlements_for(user).can_read_subscriber_content:
            request.session[SESSION_KEY] = version
            return False
        return True
