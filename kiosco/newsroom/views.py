"""Newsroom pages (placeholder until the pages work lands)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from kiosco.newsroom.models import Article, Section


def front_page(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.published().select_related("section")[:30]
    return render(request, "newsroom/front.html", {"articles": articles})


def section_page(request: HttpRequest, section: str) -> HttpResponse:
    current = get_object_or_404(Section, slug=section)
    articles = Article.objects.published().filter(section=current)[:50]
    return render(request, "newsroom/front.html", {"articles": articles, "section": current})


def article_page(request: HttpRequest, section: str, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.published(), section__slug=section, slug=slug)
    return render(request, "newsroom/article.html", {"article": article})
