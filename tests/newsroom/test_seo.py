"""What machines read: JSON-LD, Open Graph, canonical links, sitemap.xml, robots.txt."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from kiosco.newsroom.models import Block, BlockKind
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


def test_it_lists_sections_and_published_articles_in_the_sitemap(client, edition):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    locations = {loc.text for loc in root.findall("sm:url/sm:loc", SITEMAP_NS)}
    assert locations == {
        f"{PUBLIC}/",
        f"{PUBLIC}/world/",
        f"{PUBLIC}/culture/",
        f"{PUBLIC}/world/lighthouse-keeper/",
        f"{PUBLIC}/culture/cocinera-estacion/",
        f"{PUBLIC}/world/harbour-report/",
    }
    lastmods = root.findall("sm:url/sm:lastmod", SITEMAP_NS)
    assert len(lastmods) == 3


def test_it_points_robots_at_the_sitemap(client, edition):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
