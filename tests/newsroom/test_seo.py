"""What machines read: JSON-LD, Open Graph, canonical links, the sitemaps, robots.txt."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kiosco.newsroom.models import Article, Block, BlockKind
from kiosco.newsroom.sitemaps import ArticleSitemap
from tests.newsroom.page_data import Edition, make_article, make_edition, parse_html

pytestmark = pytest.mark.django_db

PUBLIC = "http://127.0.0.1:8000"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def edition() -> Edition:
    return make_edition()


def json_ld(client, url: str) -> dict:
    page = parse_html(client.get(url).content)
    scripts = [s for s in page.find_all("script") if s.attrs.get("type") == "application/ld+json"]
    assert len(scripts) == 1
    return json.loads(scripts[0].text())


def meta(client, url: str) -> dict[str, str]:
    page = parse_html(client.get(url).content)
    return {
        m.attrs.get("property") or m.attrs.get("name", ""): m.attrs.get("content", "")
        for m in page.find_all("meta")
    }


def test_it_describes_a_free_article_as_a_news_article(client, edition):
    data = json_ld(client, edition.interview.get_absolute_url())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Forty winters at the lighthouse"
    assert data["description"] == "Standfirst of lighthouse-keeper."
    assert data["inLanguage"] == "en"
    assert data["author"] == [{"@type": "Person", "name": "Marta Quiroga"}]
    assert data["isAccessibleForFree"] is True
    assert "hasPart" not in data
    assert data["datePublished"].startswith(edition.interview.published_at.isoformat()[:19])
    assert data["dateModified"]
    assert data["mainEntityOfPage"] == f"{PUBLIC}/world/lighthouse-keeper/"


def test_it_marks_a_subscriber_article_as_paywalled_without_body_text(client, edition):
    data = json_ld(client, edition.entrevista.get_absolute_url())
    assert data["isAccessibleForFree"] is False
    assert data["inLanguage"] == "es"
    assert data["hasPart"] == {
        "@type": "WebPageElement",
        "isAccessibleForFree": False,
        "cssSelector": ".article-body",
    }
    assert "SECRET-ES-ANSWER" not in json.dumps(data, ensure_ascii=False)
    assert "articleBody" not in data


def test_it_keeps_a_hostile_headline_inside_the_json_ld_script(client, edition):
    hostile = make_article(
        edition.world, "hostile", headline='</script><script>alert("x")</script> & <!--'
    )
    Block.objects.create(article=hostile, position=0, kind=BlockKind.PARAGRAPH, text="Body.")
    html = client.get(hostile.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    data = json_ld(client, hostile.get_absolute_url())
    assert data["headline"] == hostile.headline


def test_it_gives_link_previews_and_a_canonical_address(client, edition):
    url = edition.entrevista.get_absolute_url()
    tags = meta(client, url)
    assert tags["og:type"] == "article"
    assert tags["og:title"] == "La cocinera de la estación"
    assert tags["og:description"] == "Un comedor entre dos andenes."
    assert tags["og:url"] == f"{PUBLIC}{url}"
    assert tags["og:locale"] == "es_ES"
    assert tags["twitter:card"] == "summary"
    page = parse_html(client.get(url).content)
    canonical = [link for link in page.find_all("link") if link.attrs.get("rel") == "canonical"]
    assert [link.attrs["href"] for link in canonical] == [f"{PUBLIC}{url}"]


def sitemap_tree(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def listed(root: ET.Element, path: str) -> list[str]:
    return [element.text or "" for element in root.findall(path, SITEMAP_NS)]


def follow_index(client) -> dict[str, list[str]]:
    """Each sitemap page the index names, fetched as a crawler would: its locations."""
    index = sitemap_tree(client, "/sitemap.xml")
    return {
        page: listed(sitemap_tree(client, page.removeprefix(PUBLIC)), "sm:url/sm:loc")
        for page in listed(index, "sm:sitemap/sm:loc")
    }


def article_urls(*articles: Article) -> list[str]:
    return [f"{PUBLIC}{article.get_absolute_url()}" for article in articles]


def test_it_serves_a_sitemap_index_naming_one_sitemap_per_kind_of_page(client, edition):
    index = sitemap_tree(client, "/sitemap.xml")
    assert listed(index, "sm:sitemap/sm:loc") == [
        f"{PUBLIC}/sitemap-front.xml",
        f"{PUBLIC}/sitemap-sections.xml",
        f"{PUBLIC}/sitemap-articles.xml",
    ]
    # Only the articles' sitemap knows when it last changed.
    lastmods = listed(index, "sm:sitemap/sm:lastmod")
    latest = max(a.updated_at for a in (edition.interview, edition.entrevista, edition.registered))
    assert [datetime.fromisoformat(lastmod) for lastmod in lastmods] == [latest]


def test_a_scheduled_article_counts_as_changed_when_it_goes_live(client, edition):
    """Written a week ago, published a minute ago: crawlers are told of it now."""
    went_live = timezone.now() - timedelta(minutes=1)
    make_article(edition.world, "scheduled", published_at=went_live)
    Article.objects.update(updated_at=went_live - timedelta(days=7))  # no edit since

    index = sitemap_tree(client, "/sitemap.xml")
    assert [datetime.fromisoformat(m) for m in listed(index, "sm:sitemap/sm:lastmod")] == [
        went_live
    ]
    articles = sitemap_tree(client, "/sitemap-articles.xml")
    assert listed(articles, "sm:url/sm:lastmod")[-1] == went_live.date().isoformat()


def test_it_lists_the_front_sections_and_published_articles_through_the_index(client, edition):
    pages = follow_index(client)
    assert pages[f"{PUBLIC}/sitemap-front.xml"] == [f"{PUBLIC}/"]
    assert pages[f"{PUBLIC}/sitemap-sections.xml"] == [f"{PUBLIC}/world/", f"{PUBLIC}/culture/"]
    # Oldest first, no draft, nothing scheduled; each article says when it last changed.
    assert pages[f"{PUBLIC}/sitemap-articles.xml"] == article_urls(
        edition.interview, edition.entrevista, edition.registered
    )
    articles = sitemap_tree(client, "/sitemap-articles.xml")
    assert len(listed(articles, "sm:url/sm:lastmod")) == 3


def test_it_splits_the_articles_into_pages_of_the_limit(client, edition, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    extra = [make_article(edition.world, f"archive-{n}") for n in range(4)]
    index = sitemap_tree(client, "/sitemap.xml")
    articles = [loc for loc in listed(index, "sm:sitemap/sm:loc") if "articles" in loc]
    assert articles == [
        f"{PUBLIC}/sitemap-articles.xml",
        f"{PUBLIC}/sitemap-articles.xml?p=2",
        f"{PUBLIC}/sitemap-articles.xml?p=3",
        f"{PUBLIC}/sitemap-articles.xml?p=4",
    ]
    pages = [locations for page, locations in follow_index(client).items() if page in articles]
    assert [len(locations) for locations in pages] == [2, 2, 2, 1]
    everything = [location for locations in pages for location in locations]
    # Each published article exactly once across the pages, never a draft or a scheduled one.
    assert sorted(everything) == sorted(
        article_urls(edition.interview, edition.entrevista, edition.registered, *extra)
    )


def article_reads(client, url: str) -> tuple[bytes, int]:
    """The page, and how many SQL statements its request read the articles with."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content, sum("newsroom_article" in q["sql"] for q in queries)


@pytest.mark.parametrize("url", ["/sitemap.xml", "/sitemap-articles.xml?p=2"])
def test_a_crawler_asking_again_gets_the_same_sitemap_without_reading_the_archive(
    client, edition, monkeypatch, url
):
    """A sitemap page is built once per content version: asked again it costs no read
    of the articles; the next edit is in the very next answer."""
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    newest = make_article(edition.world, "one-more")  # the second page's last
    first, reads = article_reads(client, url)
    assert reads > 0
    again, reads = article_reads(client, url)
    assert (again, reads) == (first, 0)
    if "articles" in url:
        assert f"{PUBLIC}{newest.get_absolute_url()}".encode() in first
        newest.slug = "one-more-renamed"
        newest.save()
        assert f"{PUBLIC}{newest.get_absolute_url()}".encode() in article_reads(client, url)[0]
    else:
        make_article(edition.world, "late-news")  # a third page of articles
        assert b"sitemap-articles.xml?p=3" in article_reads(client, url)[0]


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-articles.xml?p=2",
        "/sitemap-articles.xml?p=0",
        "/sitemap-articles.xml?p=-1",
        "/sitemap-articles.xml?p=two",
        "/sitemap-articles.xml?p=1.5",
        "/sitemap-articles.xml?p=" + "9" * 5000,
        "/sitemap-authors.xml",
    ],
)
def test_it_answers_404_for_a_sitemap_page_that_does_not_exist(client, edition, url):
    assert client.get(url).status_code == 404


def test_it_points_robots_at_the_sitemap(client, edition):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
