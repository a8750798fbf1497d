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

from kiosco.newsroom import reading, seo
from kiosco.newsroom.access import can_read_body, visible_blocks
from kiosco.newsroom.cache import article_for_page, content_version
from kiosco.newsroom.models import Access, Article, Author, Section

LATEST_COUNT = 4
PER_SECTION = 6
# The front page groups the most recent articles; a few hundred rows cover every
# section of a daily edition without one query per section.
FRONT_WINDOW = 200


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
    page = reading.section_page(current, request.GET.get("page"))
    context = {"section": current, "page": page, "articles": page.object_list}
    return render(request, "newsroom/section.html", context)


@require_safe
def author_page(request: HttpRequest, author: str) -> HttpResponse:
    person = get_object_or_404(Author, slug=author)
    page = reading.author_page(person, request.GET.get("page"))
    context = {"author": person, "page": page, "articles": page.object_list}
    return render(request, "newsroom/author.html", context)


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200].strip()
    words, page = reading.search_articles(query, request.GET.get("page"))
    context = {"query": query, "words": words, "page": page, "articles": page.object_list}
    return render(request, "newsroom/search.html", context)


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
    if article.access != Access.FREE:
        # What this page shows depends on who asks: no shared cache may keep it.
        patch_cache_control(response, private=True)
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
