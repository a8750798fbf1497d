"""Newsroom pages: the front page, section pages, article pages and robots.txt.

What part of an article's body a reader receives is decided in ``access.py``; the
views only pass that decision to the template.
"""

from __future__ import annotations

from itertools import groupby

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from kiosco.newsroom import seo
from kiosco.newsroom.access import can_read_body, visible_blocks
from kiosco.newsroom.cache import article_for_page, content_version
from kiosco.newsroom.models import Access, Article, Section

LATEST_COUNT = 4
PER_SECTION = 6
# The front page groups the most recent articles; a few hundred rows cover every
# section of a daily edition without one query per section.
FRONT_WINDOW = 200
SECTION_PAGE_SIZE = 50


def front_sections(articles: list[Article]) -> list[tuple[Section, list[Article]]]:
    """``articles`` grouped by section in the sections' order, newest first in each."""
    ordered = sorted(articles, key=lambda a: (a.section.position, a.section.name, a.section_id))
    grouped = groupby(ordered, key=lambda a: a.section)
    return [(section, list(items)[:PER_SECTION]) for section, items in grouped]


@require_safe
def front_page(request: HttpRequest) -> HttpResponse:
    recent = list(Article.objects.published().select_related("section")[:FRONT_WINDOW])
    latest, rest = recent[:LATEST_COUNT], recent[LATEST_COUNT:]
    context = {"latest": latest, "sections": front_sections(rest)}
    return render(request, "newsroom/front.html", context)


@require_safe
def section_page(request: HttpRequest, section: str) -> HttpResponse:
    current = get_object_or_404(Section, slug=section)
    articles = Article.objects.published().filter(section=current).select_related("section")
    context = {"section": current, "articles": articles[:SECTION_PAGE_SIZE]}
    return render(request, "newsroom/section.html", context)


@require_safe
def article_page(request: HttpRequest, section: str, slug: str) -> HttpResponse:
    article = article_for_page(section, slug)
    if article is None or not article.is_published():
        raise Http404("No such article.")
    decision = can_read_body(request, article)
    context = {
        "article": article,
        "decision": decision,
        "blocks": visible_blocks(article, decision),
        "authors": seo.authors_of(article),
        "content_version": content_version(),
    }
    response = render(request, "newsroom/article.html", context)
    if article.access == Access.SUBSCRIBERS:
        # Body or dialog depends on who asks and on which device: no cache keeps it,
        # not even the browser's (a displaced device going back must not see it).
        patch_cache_control(response, private=True, no_store=True)
    elif article.access != Access.FREE:
        patch_cache_control(response, private=True)  # depends on who asks
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
