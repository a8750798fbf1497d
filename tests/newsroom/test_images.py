"""Article images: renditions made with Pillow (srcset, WebP/AVIF), the lead image in
the article header and on the front page, image blocks in the body, Open Graph and
JSON-LD carrying the image; the front page's hierarchy, the editor's pinned lead, and
a front page that loads only the rows it shows."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.db.models.signals import post_init
from django.utils import timezone
from PIL import Image as Pillow
from PIL import features

from kiosco.newsroom import images
from kiosco.newsroom.models import Article, Block, BlockKind, Section
from tests.newsroom.page_data import make_article, parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg(width: int = 1800, height: int = 1200) -> bytes:
    buffer = io.BytesIO()
    Pillow.new("RGB", (width, height), (30, 90, 140)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def city() -> Section:
    return Section.objects.create(slug="city", name="City")


@pytest.fixture
def cranes(city) -> Article:
    image = images.create_image(
        jpeg(),
        "cranes.jpg",
        alt="Four cranes lit at dusk",
        caption="The east quay.",
        credit="Test Photographer",
    )
    article = make_article(city, "cranes", headline="Cranes lit at night", lead_image=image)
    body = images.create_image(jpeg(900, 600), "quay.jpg", alt="The quay at night")
    Block.objects.create(article=article, position=0, kind=BlockKind.PARAGRAPH, text="First.")
    Block.objects.create(article=article, position=1, kind=BlockKind.IMAGE, image=body)
    return article


def test_it_makes_renditions_in_modern_formats_never_wider_than_the_original(media):
    image = images.create_image(jpeg(900, 600), "small.jpg", alt="A small picture")
    expected = ["webp", "jpeg"] if not features.check("avif") else ["avif", "webp", "jpeg"]
    assert list(image.renditions) == expected
    assert [width for width, _ in image.renditions["webp"]] == [320, 640, 900]
    for _, path in image.renditions["webp"]:
        with Pillow.open(media / path) as rendition:
            assert rendition.format == "WEBP"


def test_it_refuses_an_image_without_alt_text_or_that_is_not_an_image():
    with pytest.raises(images.UnusableImage, match="alternative text"):
        images.create_image(jpeg(), "x.jpg", alt="  ")
    with pytest.raises(images.UnusableImage, match="not a readable image"):
        images.create_image(b"<html>not a picture</html>", "x.jpg", alt="Something")


def test_it_shows_the_lead_image_with_srcset_caption_and_credit(client, cranes):
    page = parse_html(client.get(cranes.get_absolute_url()).content)
    figure = page.find("figure", "lead-figure")
    img = figure.find("img")
    assert img.attrs["alt"] == "Four cranes lit at dusk"
    assert "320w" in img.attrs["srcset"] and "1600w" in img.attrs["srcset"]
    assert img.attrs["fetchpriority"] == "high" and "loading" not in img.attrs
    assert {s.attrs["type"] for s in figure.find_all("source")} >= {"image/webp"}
    assert figure.find("span", "caption").text() == "The east quay."
    assert figure.find("span", "credit").text() == "Test Photographer"


def test_it_renders_an_image_block_in_the_body_lazily(client, cranes):
    page = parse_html(client.get(cranes.get_absolute_url()).content)
    img = page.find("div", "article-body").find("figure", "body-figure").find("img")
    assert (img.attrs["alt"], img.attrs["loading"]) == ("The quay at night", "lazy")


def test_it_puts_the_image_in_open_graph_and_json_ld(client, cranes):
    response = client.get(cranes.get_absolute_url()).content.decode()
    page = parse_html(response.encode())
    metas = {m.attrs.get("property"): m.attrs.get("content") or "" for m in page.find_all("meta")}
    assert metas["og:image"].startswith("http://127.0.0.1:8000/media/renditions/")
    assert metas["og:image"].endswith("/1024.jpg")
    script = page.find("script", None)
    data = json.loads(
        next(
            s for s in page.find_all("script") if s.attrs.get("type") == "application/ld+json"
        ).text()
    )
    assert data["image"]["url"] == metas["og:image"] and script is not None
    assert client.get(metas["og:image"].removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_it_leads_the_front_page_with_the_pinned_story(client, city, cranes):
    pinned = make_article(city, "pinned", headline="The pinned story", pinned_at=timezone.now())
    page = parse_html(client.get("/").content)
    assert page.find("article", "lead-story").find("h2").text() == pinned.headline
    pinned.pinned_at = None
    pinned.save(update_fields=["pinned_at"])  # as the admin unpins: the content version moves
    page = parse_html(client.get("/").content)
    lead = page.find("article", "lead-story")
    assert lead.find("h2").text() == "Cranes lit at night"  # the latest with an image
    assert lead.find("img").attrs["alt"] == "Four cranes lit at dusk"


def test_it_loads_only_the_articles_the_front_page_shows(client, city):
    culture = Section.objects.create(slug="culture", name="Culture", position=1)
    for number in range(60):
        make_article(
            city if number % 2 else culture,
            f"story-{number}",
            published_at=timezone.now() - timedelta(minutes=number + 1),
        )
    loaded: list[Article] = []

    def count(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(count, sender=Article)
    try:
        page = parse_html(client.get("/").content)
    finally:
        post_init.disconnect(count, sender=Article)
    shown = len(page.find_all("article"))
    assert shown == 1 + 4 + 4 + 4
    assert len(loaded) == shown
