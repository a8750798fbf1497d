"""Authors as records with a page (bio, their articles, a feed) and bylines that link
to it; section pages and feeds paginated; a feed carries a free article's body only."""

from __future__ import annotations

import io
from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone
from PIL import Image as Pillow

from kiosco.newsroom import images
from kiosco.newsroom.models import Access, Author, BlockKind, Section
from kiosco.newsroom.reading import FEED_SIZE, PAGE_SIZE
from tests.newsroom.page_data import add_blocks, make_article, parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> Section:
    return Section.objects.create(slug="city", name="City")


@pytest.fixture
def marta(city) -> Author:
    marta = Author.objects.create(
        slug="marta-quiroga", name="Marta Quiroga", bio="Covers the harbour and the river."
    )
    for number, access in enumerate([Access.FREE, Access.SUBSCRIBERS]):
        article = make_article(
            city,
            f"harbour-{number}",
            access=access,
            published_at=timezone.now() - timedelta(hours=number + 1),
        )
        article.authors.add(marta)
        add_blocks(article, [(BlockKind.PARAGRAPH, "", f"BODY-{access}: the harbour at dawn.")])
    return marta


def test_it_shows_an_author_page_with_bio_and_articles(client, marta):
    page = parse_html(client.get("/authors/marta-quiroga/").content)
    assert page.find("h1").text() == "Marta Quiroga"
    assert page.find("p", "author-bio").text() == "Covers the harbour and the river."
    assert [h.text() for h in page.find_all("h3")] == ["Harbour 0", "Harbour 1"]
    assert "BODY-" not in client.get("/authors/marta-quiroga/").content.decode()


def test_it_answers_404_for_an_unknown_author(client, marta):
    assert client.get("/authors/nobody/").status_code == 404


def test_it_links_the_byline_to_the_author_page(client, marta):
    page = parse_html(client.get("/city/harbour-0/").content)
    link = page.find("span", "byline").find("a")
    assert (link.attrs["href"], link.text()) == ("/authors/marta-quiroga/", "Marta Quiroga")


def test_it_carries_the_full_body_of_free_articles_only_in_the_author_feed(client, marta):
    feed = feedparser.parse(client.get("/feeds/authors/marta-quiroga/rss.xml").content)
    assert feed.feed.title.startswith("Marta Quiroga")
    descriptions = {entry.title: entry.summary for entry in feed.entries}
    assert "BODY-free: the harbour at dawn." in descriptions["Harbour 0"]
    assert descriptions["Harbour 1"] == "Standfirst of harbour-1."


def test_it_pages_a_section_and_its_feed(client, city):
    for number in range(max(PAGE_SIZE, FEED_SIZE) + 2):
        make_article(
            city, f"story-{number}", published_at=timezone.now() - timedelta(minutes=number)
        )
    first = parse_html(client.get("/city/").content)
    last = parse_html(client.get("/city/", {"page": 999}).content)
    assert len(first.find_all("h3")) == PAGE_SIZE
    assert [a.attrs.get("rel") for a in first.find("nav", "pagination").find_all("a")] == ["next"]
    assert [a.attrs.get("rel") for a in last.find("nav", "pagination").find_all("a")] == ["prev"]
    assert client.get("/city/", {"page": "not-a-number"}).status_code == 200
    feed = feedparser.parse(client.get("/feeds/city/rss.xml", {"page": 2}).content)
    assert len(feed.entries) == max(PAGE_SIZE, FEED_SIZE) + 2 - FEED_SIZE
    assert client.get("/feeds/city/rss.xml", {"page": "-1"}).status_code == 200


def test_it_shows_the_author_photo_with_its_alt_text(client, marta, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    buffer = io.BytesIO()
    Pillow.new("RGB", (200, 200), (120, 80, 60)).save(buffer, format="JPEG")
    marta.photo = images.create_image(buffer.getvalue(), "marta.jpg", alt="Marta Quiroga, smiling")
    marta.save(update_fields=["photo"])
    photo = parse_html(client.get("/authors/marta-quiroga/").content).find("img", "author-photo")
    assert photo.attrs["alt"] == "Marta Quiroga, smiling"
    assert client.get(photo.attrs["src"]).status_code == 200
