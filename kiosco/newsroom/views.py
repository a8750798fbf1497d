"""Newsroom pages: the front page, section pages, article pages, robots.txt and the
sitemap index.

What part of an article's body a reader receives is decided in ``access.py``; the
views only pass that decision to the template.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.static import serve

from kiosco.lib import hot
from kiosco.lib.slots import Shell
from kiosco.newsroom import pages, reading, seo
from kiosco.newsroom.access import can_read_body, visible_blocks
from kiosco.newsroom.cache import article_for_page, author_for_page, section_for_page
from kiosco.newsroom.models import Access
from kiosco.newsroom.sitemaps import SITEMAPS, kept_per_version, move_to_public_address

# Renditions are written once under a fresh path per image: a day of caching is safe.
MEDIA_MAX_AGE = 86_400


@require_safe
def front_page(request: HttpRequest) -> HttpResponse:
    def shared() -> dict[str, Any]:
        front = reading.front_page()
        return {"lead": front.lead, "secondaries": front.secondaries, "sections": front.sections}

    return pages.respond(request, "front", "newsroom/front.html", shared, {})


@require_safe
def section_page(request: HttpRequest, section: str) -> HttpResponse:
    current = section_for_page(section)
    if current is None:
        raise Http404("No such section.")
    query = reading.list_query(request.GET)

    def shared() -> dict[str, Any]:
        page = reading.section_page(current, query)
        return {"section": current, "page": page, "articles": page.object_list}

    key = f"section:{current.pk}:{urlencode(query)}"
    return pages.respond(request, key, "newsroom/section.html", shared, {}, query=query)


@require_safe
def author_page(request: HttpRequest, author: str) -> HttpResponse:
    person = author_for_page(author)
    if person is None:
        raise Http404("No such author.")
    query = reading.list_query(request.GET)

    def shared() -> dict[str, Any]:
        page = reading.author_page(person, query)
        return {"author": person, "page": page, "articles": page.object_list}

    key = f"author:{person.pk}:{urlencode(query)}"
    return pages.respond(request, key, "newsroom/author.html", shared, {}, query=query)


# Search pages are keyed by what visitors type: kept per process only, a few hundred at
# most, so that no one can fill the shared cache or push the edition's pages out of it.
_search_shells: hot.LocalMemo[Shell] = hot.LocalMemo(256)


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200].strip()
    number = reading.number_in(request.GET.get("page")) or 1
    canonical = {"q": query, **({"page": str(number)} if number > 1 else {})} if query else {}

    def shared() -> dict[str, Any]:
        words, page = reading.search_articles(query, canonical)
        return {"query": query, "words": words, "page": page, "articles": page.object_list}

    key = f"search:{urlencode(canonical)}"
    return pages.respond(
        request, key, "newsroom/search.html", shared, {}, query=canonical, kept_in=_search_shells
    )


@require_safe
def article_page(request: HttpRequest, section: str, slug: str) -> HttpResponse:
    article = article_for_page(section, slug)
    if article is None or not article.is_published():
        raise Http404("No such article.")
    decision = can_read_body(request, article)

    def shared() -> dict[str, Any]:
        return {
            "article": article,
            "decision": decision,
            "blocks": visible_blocks(article, decision),
            "authors": seo.authors_of(article),
        }

    # The shared part depends on what the decision shows of the body, and whether it
    # has a panel; the panel itself (reading script, dialog, offer) is the reader's own.
    key = f"article:{article.pk}:{decision.allowed}:{decision.teaser}:{decision.panel_template}"
    own = {"article": article, "decision": decision}
    # A subscriber's body or dialog depends on who asks and on which device: no cache
    # keeps it, not even the browser's (a displaced device going back must not see it).
    # An anonymous visitor's teaser is everyone's: it may be shared.
    no_store = article.access == Access.SUBSCRIBERS
    response = pages.respond(request, key, "newsroom/article.html", shared, own, no_store=no_store)
    decision.finish(response)
    return response


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /account/",
        f"Sitemap: {seo.public_url(reverse('newsroom:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def sitemap_index(request: HttpRequest) -> HttpResponseBase:
    """Django's sitemap index of ``SITEMAPS``, every page of each, at the public address
    (kept per content version, ``sitemaps.kept_per_version``)."""

    def build() -> HttpResponse:
        response = sitemap_views.index(
            request, SITEMAPS, sitemap_url_name="newsroom:sitemap-section"
        )
        move_to_public_address((response.context_data or {})["sitemaps"])
        return response

    return kept_per_version(request, "index", build)


@require_safe
def sitemap_page(request: HttpRequest, section: str) -> HttpResponseBase:
    """Page ``?p=N`` of sitemap ``section`` (a key of ``SITEMAPS``), as Django's view
    builds it, kept per content version; a page that is no number, an unknown sitemap
    or a page past the last gets Django's 404."""

    def build() -> HttpResponseBase:
        return sitemap_views.sitemap(request, SITEMAPS, section=section)

    number = reading.number_in(request.GET.get("p", "1"))
    if number is None or section not in SITEMAPS:
        return build()
    return kept_per_version(request, f"{section}:{number}", build)


@require_safe
def media_file(request: HttpRequest, path: str) -> HttpResponseBase:
    """An uploaded image or rendition, for the embedded shape (``static.serve`` refuses
    paths outside MEDIA_ROOT); in production the proxy serves MEDIA_ROOT itself."""
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    patch_cache_control(response, public=True, max_age=MEDIA_MAX_AGE)
    return response
