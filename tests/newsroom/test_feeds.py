"""RSS and Atom feeds of the edition and of each section."""

from __future__ import annotations

import feedparser
import pytest

from tests.newsroom.page_data import Edition, make_edition

pytestmark = pytest.mark.django_db

PUBLIC = "http://127.0.0.1:8000"


@pytest.fixture
def edition() -> Edition:
    return make_edition()


def fetch(client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.mark.parametrize(
    ("url", "version"), [("/feeds/rss.xml", "rss20"), ("/feeds/atom.xml", "atom10")]
)
def test_it_serves_edition_feeds_that_parse(client, edition, url, version):
    feed = fetch(client, url)
    assert feed.version == version
    assert feed.feed.title == "The Kiosco Courier"
    links = [entry.link for entry in feed.entries]
    assert links == [
        f"{PUBLIC}/world/harbour-report/",
        f"{PUBLIC}/culture/cocinera-estacion/",
        f"{PUBLIC}/world/lighthouse-keeper/",
    ]


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_it_serves_section_feeds_with_only_that_sections_articles(client, edition, kind):
    feed = fetch(client, f"/feeds/culture/{kind}.xml")
    assert "Culture" in feed.feed.title
    assert [entry.title for entry in feed.entries] == ["La cocinera de la estación"]


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_it_carries_metadata_and_the_standfirst_but_never_the_body(client, edition, kind):
    feed = fetch(client, f"/feeds/{kind}.xml")
    entrevista = next(e for e in feed.entries if "cocinera" in e.link)
    assert entrevista.summary == "Un comedor entre dos andenes."
    assert entrevista.author == "Lucía Andrade"
    assert entrevista.published_parsed is not None or entrevista.updated_parsed is not None
    raw = client.get(f"/feeds/{kind}.xml").content.decode()
    assert "SECRET-ES-ANSWER" not in raw and "SECRET-REGISTERED-PARAGRAPH" not in raw


def test_it_leaves_unpublished_articles_out_of_every_feed(client, edition):
    for url in ("/feeds/rss.xml", "/feeds/atom.xml", "/feeds/world/rss.xml"):
        raw = client.get(url).content.decode()
        assert "tomorrow" not in raw and "draft-piece" not in raw


def test_it_answers_404_for_an_unknown_sections_feed(client, edition):
    assert client.get("/feeds/nowhere/rss.xml").status_code == 404
