"""Moves a seat's cached ladder state on when one of its devices takes the reading.

Every takeover a reader can cause goes through "continue reading here"
(``paywall:continue``); the engine writes the log line with raw SQL, so there is no
model signal to listen to. Bumping the seat's version here keeps the notice's hot path
free of queries (a cache read) while a new takeover still shows at once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from kiosco.insights import services

TAKEOVER_VIEWS = frozenset({"paywall:continue"})


class TakeoverVersionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _took_over(request) and request.user.pk is not None:
            services.invalidate_reader(request.user.pk)
        return response


def _took_over(request: HttpRequest) -> bool:
    match = request.resolver_match
    if request.method != "POST" or match is None or match.view_name not in TAKEOVER_VIEWS:
        return False
    return bool(request.user.is_authenticated)
