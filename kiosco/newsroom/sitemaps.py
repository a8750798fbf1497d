"""sitemap.xml: the front page, every section and every published article.

Locations are built from ``KIOSCO_PUBLIC_URL`` rather than the sites framework's
placeholder domain, like every other absolute URL of the edition (seo.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from kiosco.newsroom.models import Article, Section


class PublicSitemap(Sitemap):
    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.KIOSCO_PUBLIC_URL).scheme

    def get_domain(self, site: Any = None) -> str:
        return urlsplit(settings.KIOSCO_PUBLIC_URL).netloc


class FrontSitemap(PublicSitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self) -> list[str]:
        return ["newsroom:front"]

    def location(self, item: str) -> str:  # type: ignore[override]
        return reverse(item)


class SectionSitemap(PublicSitemap):
    changefreq = "hourly"
    priority = 0.8

    def items(self) -> QuerySet[Section]:
        return Section.objects.all()


class ArticleSitemap(PublicSitemap):
    priority = 0.6

    def items(self) -> QuerySet[Article]:
        return Article.objects.published().select_related("section").order_by("-published_at")

    def lastmod(self, item: Article) -> datetime:
        return item.updated_at


SITEMAPS = {"front": FrontSitemap, "sections": SectionSitemap, "articles": ArticleSitemap}
