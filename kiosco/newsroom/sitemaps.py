"""The sitemaps: an index at ``/sitemap.xml`` naming one sitemap per kind of page
(the front page, the sections, the published articles), each in pages of at most
``PAGE_LIMIT`` URLs (``/sitemap-articles.xml?p=2``), all through Django's framework.

Locations are built from ``KIOSCO_PUBLIC_URL`` rather than the sites framework's
placeholder domain, like every other absolute URL of the edition (seo.py).

Every crawler gets the same bytes until the content changes, and a page is dear to
build (a count and an offset into the whole archive, then thousands of entries through
a template), so each process keeps the pages it built per content version
(``kept_per_version``): a crawler, or anyone, asking again costs a memory read. An
article scheduled for later moves the version when it is due (``cache.content_version``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.response import SimpleTemplateResponse
from django.urls import reverse

from kiosco.lib import hot
from kiosco.newsroom.cache import content_version
from kiosco.newsroom.models import Article, Section
from kiosco.newsroom.pages import ServedPage
from kiosco.newsroom.seo import public_url

# The protocol allows 50,000 URLs a file; every page is built from the database on
# request, so a tenth of that keeps one crawler's fetch to a quick query and a few
# hundred kilobytes, and 100,000 articles still fit in twenty pages.
PAGE_LIMIT = 5_000


class PublicSitemap(Sitemap):
    limit = PAGE_LIMIT

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
        return Section.objects.only("slug").order_by("position", "name", "pk")


class ArticleSitemap(PublicSitemap):
    priority = 0.6

    def items(self) -> QuerySet[Article]:
        # Oldest first: an article keeps its page as new ones are added at the end, so
        # a crawler's copy of an earlier page stays right. Only what a URL needs is read.
        return (
            Article.objects.published()
            .select_related("section")
            .only("slug", "updated_at", "published_at", "section__slug")
            .order_by("published_at", "pk")
        )

    def lastmod(self, item: Article) -> datetime:
        # A scheduled article goes live later than its last edit: that is when it changed.
        return max(item.updated_at, item.published_at or item.updated_at)

    def get_latest_lastmod(self) -> datetime | None:
        # The index asks for this; Django's default would load every article for it.
        changed = Greatest("updated_at", "published_at")
        return Article.objects.published().aggregate(latest=Max(changed))["latest"]


SITEMAPS: dict[str, type[Sitemap[Any]] | Sitemap[Any]] = {
    "front": FrontSitemap,
    "sections": SectionSitemap,
    "articles": ArticleSitemap,
}


class IndexEntry(Protocol):
    """One sitemap named by the index (Django's ``SitemapIndexItem``)."""

    location: str


def move_to_public_address(entries: Iterable[IndexEntry]) -> None:
    """Django's index names its sitemaps at the sites framework's domain; point each
    entry at ``KIOSCO_PUBLIC_URL`` instead, keeping its path and page number."""
    for entry in entries:
        parts = urlsplit(entry.location)
        entry.location = public_url(parts.path + (f"?{parts.query}" if parts.query else ""))


# --- built once per content version ------------------------------------------------------
# The index and each page of each sitemap: twenty-odd at 100,000 articles.
_kept: hot.LocalMemo[ServedPage] = hot.LocalMemo(48)


def kept_per_version(
    request: HttpRequest, name: str, build: Callable[[], HttpResponseBase]
) -> HttpResponseBase:
    """``build()``'s answer (Django's view of sitemap ``name``), kept in this process
    under the content version when it is a 200; anything else (a 404 past the last
    page) is answered as built and not kept."""
    version = content_version()
    if not hot.usable(version):  # the cache does not answer: nothing is kept
        return build()
    key = f"{hot.build_id()}:{version}:{name}"
    kept = _kept.get(key)
    if kept is None:
        built = build()
        if isinstance(built, SimpleTemplateResponse):
            built.render()
        if built.status_code != 200 or built.cookies or not isinstance(built, HttpResponse):
            return built
        kept = _kept.put(key, ServedPage.of(version, built))
    return kept.response(request)
