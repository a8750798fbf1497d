"""Django's WSGI and ASGI handlers, remembering which view a path resolves to.

Django resolves every request's path against the whole URLconf, in order, and the
newsroom's section and article paths come last (they match any slug): an article
page walked about forty routes, each refusal recorded for the 404 page, before its
own — a sixth of a signed-in page's time. The answer for a path is the same until
the code changes, so each process keeps the paths it resolved (bounded LRU). A path
that resolves to nothing (404) is not kept; a request with its own ``urlconf`` is
resolved as Django does.
"""

from __future__ import annotations

from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.urls import ResolverMatch

from kiosco.lib.hot import LocalMemo

_resolved: LocalMemo[ResolverMatch] = LocalMemo(4096)


class RememberedResolution(BaseHandler):
    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        if hasattr(request, "urlconf"):
            return super().resolve_request(request)
        match = _resolved.get(request.path_info)
        if match is None:
            match = _resolved.put(request.path_info, super().resolve_request(request))
        request.resolver_match = match
        return match


class KioscoWSGIHandler(RememberedResolution, WSGIHandler):
    pass


class KioscoASGIHandler(RememberedResolution, ASGIHandler):
    pass
