"""Tell subscribers, once, that a new version of the terms awaits them.

Terms are asked where a reader takes a seat (subscribing, accepting an invitation,
joining by domain). When a new version is published later, a subscriber is *told* on
their next page — a notice with a link to ``/terms/accept/`` — and never redirected:
no page, free reading least of all, is walled off behind the terms.

Cheap by design: one cache read (the current version id) per signed-in GET; the
session remembers the version this reader was checked against, so the database is
asked once per reader per version, and the notice shows on one page only.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from kiosco.subscriptions.services.entitlements import entitlements_for
from kiosco.subscriptions.services.terms import current_terms_id, has_accepted

SESSION_KEY = "kiosco_terms_checked"
# Machine endpoints and assets never carry the notice.
EXEMPT_PREFIXES = (
    "/terms/",
    "/admin/",
    "/static/",
    "/billing/",
    "/i18n/",
    "/live/",
    "/api/",
    "/leases/",
)


class TermsAcceptanceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # base.html reads this: the version id to offer, on this one page.
        request.kiosco_new_terms = self._must_accept(request)  # type: ignore[attr-defined]
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
        # Told once per version: the session remembers it whatever the answer.
        request.session[SESSION_KEY] = version
        return (
            not has_accepted(user, version) and entitlements_for(user).can_read_subscriber_content
        )
