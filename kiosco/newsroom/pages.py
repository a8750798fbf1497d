"""The newsroom's pages, rendered once per content version and shared.

A page (an article, the front page, a section, an author) is the same for every
reader who sees the same variant of it: the same body access, the same interface
language, signed in or not. It is rendered once as a shell (``kiosco.lib.slots``)
under a key that carries the content version, kept in each process's memory and in
the cache, and each request fills in only what is its own: the account links, the
flash messages and notices, the article's panel (reading script, dialog or offer).

An anonymous visitor without a session has nothing of their own: the whole filled
page is kept, served with ``Cache-Control: public`` and validators (``ETag``,
``Last-Modified``: when the content last changed), so a proxy or a CDN in front can
serve it too (README, "Serving pages from a proxy"), and a browser that has it gets a
304. Everything a signed-in reader receives is ``private``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

from kiosco.lib import hot
from kiosco.lib.hot import build_id
from kiosco.lib.slots import Shell, fill_slots, render_shell
from kiosco.newsroom.cache import VERSION_KEY, content_version

SHELL_TTL = 600  # seconds a shell stays in the shared cache (its key moves on any change)
_shells: hot.LocalMemo[Shell] = hot.LocalMemo(1024)
_public: hot.LocalMemo[PublicPage] = hot.LocalMemo(1024)


@dataclass(frozen=True)
class PublicPage:
    """A whole page for anonymous visitors, with its validator."""

    html: str
    etag: str


def shares_everything(request: HttpRequest) -> bool:
    """An anonymous visitor with no session (so no flash message) and no message
    cookie: nothing on the page is theirs alone."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def respond(
    request: HttpRequest,
    key: str,
    template: str,
    shared: Callable[[], dict[str, Any]],
    own: Mapping[str, Any],
    *,
    query: Mapping[str, str] | None = None,
    no_store: bool = False,
    kept_in: hot.LocalMemo[Shell] | None = None,
) -> HttpResponse:
    """The page ``template`` for this request. ``key`` names everything the shared
    part depends on besides the content version, the language and whether the reader
    is signed in; ``shared()`` builds its context (called on a miss only); ``own`` is
    the context of the slots, which every request renders. ``query``: the parameters
    the page acts on, in their one spelling; a request spelled otherwise (another
    order, a tracking parameter) gets the same page, private, so that no shared copy
    carries a query string a visitor brought. ``no_store``: a page of the reader's own
    may not even stay in their browser's cache. ``kept_in``: keep the shell in this
    process's memory only, never shared nor in the cache, and answer ``private``: for
    pages keyed by what a visitor types (a search), which anyone could multiply."""
    canonical = urlencode(query or {})
    here = request.path + (f"?{canonical}" if canonical else "")
    version = content_version()
    signed_in = request.user.is_authenticated
    full_key = f"page:{build_id()}:{version}:{get_language()}:{int(signed_in)}:{key}"
    shared_with_here = lambda: {**shared(), "here": here}  # noqa: E731
    own = {**own, "here": here}
    as_asked = request.META.get("QUERY_STRING", "") == canonical
    if not hot.usable(version):  # the cache does not answer: render it all, keep nothing
        response = render(request, template, {**shared_with_here(), **own})
    elif kept_in is None and not signed_in and as_asked and shares_everything(request):
        return _public_response(request, full_key, template, shared_with_here, own, version)
    else:
        shell = _shell(request, full_key, template, shared_with_here, kept_in)
        response = HttpResponse(fill_slots(shell, request, own))
    # Their account links, messages or article panel: theirs alone.
    patch_cache_control(response, private=True, **({"no_store": True} if no_store else {}))
    return response


def _shell(
    request: HttpRequest,
    key: str,
    template: str,
    shared: Callable[[], dict[str, Any]],
    kept_in: hot.LocalMemo[Shell] | None = None,
) -> Shell:
    """From this process's memory, else the shared cache, else rendered; ``kept_in``:
    that memory only, the shared cache left out (``respond``)."""
    memo = _shells if kept_in is None else kept_in
    shell = memo.get(key)
    if shell is None:
        shell = cache.get(key) if kept_in is None else None
        if not isinstance(shell, Shell):
            shell = render_shell(template, shared(), request)
            if kept_in is None:
                cache.set(key, shell, SHELL_TTL)
        memo.put(key, shell)
    return shell


def _public_response(
    request: HttpRequest,
    key: str,
    template: str,
    shared: Callable[[], dict[str, Any]],
    own: Mapping[str, Any],
    version: str,
) -> HttpResponse:
    page = _public.get(key)
    if page is None:
        html = fill_slots(_shell(request, key, template, shared), request, own)
        etag = '"' + hashlib.blake2b(html.encode(), digest_size=12).hexdigest() + '"'
        page = _public.put(key, PublicPage(html, etag))
    if request.headers.get("If-None-Match") == page.etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(page.html)
    response["ETag"] = page.etag
    changed = hot.token_time(version)
    if changed is not None:
        response["Last-Modified"] = http_date(changed)
    # Browsers ask again each time (a 304 when nothing changed); shared caches may keep
    # it briefly. The page depends on the language cookie and Accept-Language.
    shared_for = settings.KIOSCO_PUBLIC_CACHE_SECONDS
    patch_cache_control(response, public=True, max_age=0, s_maxage=shared_for)
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    response.shared_by_everyone = True  # type: ignore[attr-defined]  # PublicPageMiddleware
    return response


# --- the whole anonymous response, before the per-reader middleware --------------------
@dataclass(frozen=True)
class ServedPage:
    """A response every anonymous visitor shares, whole (its headers: the security
    middleware's and the CSP too, or only the view's when kept below the middleware, as
    the sitemaps are), and the content version it was rendered under."""

    version: str
    content: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str | None

    @classmethod
    def of(cls, version: str, response: HttpResponse) -> ServedPage:
        return cls(version, response.content, tuple(response.items()), response.get("ETag"))

    def response(self, request: HttpRequest) -> HttpResponse:
        fresh = self.etag is not None and request.headers.get("If-None-Match") == self.etag
        response = HttpResponseNotModified() if fresh else HttpResponse(self.content)
        for name, value in self.headers:
            if not (fresh and name == "Content-Type"):
                response[name] = value
        return response


_served: hot.LocalMemo[ServedPage] = hot.LocalMemo(1024)
_paths: hot.LocalMemo[bool] = hot.LocalMemo(1024)  # paths with a copy, in any language


class PublicPageMiddleware:
    """Serves a page every anonymous visitor shares from this process's memory before
    the per-reader middleware and the view run: sessions, authentication, CSRF,
    messages, devices and terms have nothing to add to it (that is what made it
    shareable), and a reverse proxy would serve it the same way. Kept per language the
    visitor would get and full path, with the content version it was rendered under: a
    copy from before an edit is never served. A path with no copy (any other page, the
    health checks) costs a dictionary lookup, not a cache read.

    Place it right below the forwarded-headers middleware (which settles the scheme)
    and above the security, CSP and static-files middleware: a copy keeps the headers
    they added when it was made, as a proxy's copy does, so a served copy costs none of
    them (static files never have a copy)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        eligible = request.method == "GET" and shares_everything(request)
        if eligible and _paths.get(request.path):
            page = _served.get(_key(request))
            if page is not None and _is_current(page):
                return page.response(request)
        response = self.get_response(request)
        shareable = (
            eligible
            and getattr(response, "shared_by_everyone", False)
            and response.status_code == 200
            and not response.cookies
        )
        version = content_version() if shareable else ""  # read already by the page
        if hot.usable(version):
            _served.put(_key(request), ServedPage.of(version, response))
            _paths.put(request.path, True)
        return response


def _is_current(page: ServedPage) -> bool:
    """Whether ``page`` is of the current content version: as this process read it
    within ``KIOSCO_PUBLIC_RECHECK_SECONDS`` (no round trip: a change made by another
    process shows that much later, a proxy in front keeps the page longer), or else as
    the cache says now."""
    recheck = settings.KIOSCO_PUBLIC_RECHECK_SECONDS
    if page.version == hot.recently(VERSION_KEY, recheck, content_version):
        return True
    return page.version == content_version()  # rendered since: the page is newer


def _key(request: HttpRequest) -> str:
    # The scheme too: the security middleware's headers differ (HSTS over HTTPS only).
    language = translation.get_language_from_request(request)
    return f"{language}:{int(request.is_secure())}:{request.get_full_path()}"
