"""The newsroom's pages in the real browser: the front page's lead story with its
image, an article with a lead image and an image in its body, and the search page, at
desktop and phone sizes. Screenshots are kept under var/screenshots/ as artifacts."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image as Pillow
from PIL import ImageDraw
from playwright.sync_api import Page

from kiosco.newsroom import images
from kiosco.newsroom.models import Access, Section
from kiosco.newsroom.services import import_article
from tests.e2e.conftest import DESKTOP, PHONE

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def picture(width: int, height: int, colours: tuple[str, str]) -> bytes:
    """A generated landscape: two bands and a sun, so a screenshot shows an image."""
    canvas = Pillow.new("RGB", (width, height), colours[0])
    draw = ImageDraw.Draw(canvas)
    draw.rectangle([0, height * 2 // 3, width, height], fill=colours[1])
    draw.ellipse(
        [width * 0.65, height * 0.15, width * 0.8, height * 0.15 + width * 0.15], fill="#f4c542"
    )
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def make_edition() -> str:
    Section.objects.create(slug="city", name="City")
    Section.objects.create(slug="culture", name="Culture", position=1)
    lead = images.create_image(
        picture(1800, 1100, ("#8fb8de", "#2e5e4e")),
        "quay.jpg",
        alt="The four cranes of the east quay against an evening sky",
        caption="The east quay at dusk.",
        credit="Test Photographer",
    )
    body_image = images.create_image(
        picture(1200, 800, ("#d9c7a3", "#6b4f3a")),
        "lamps.jpg",
        alt="A crane's lamps seen from below",
    )
    text = (
        "Harbour cranes to be lit at night\n"
        "The four old cranes on the east quay will become the port's landmark.\n"
        "By Test Writer\n\n"
        "The port authority will light the four cranes on the east quay from October.\n"
        "Each crane will carry two hundred low-energy lamps, switched off at midnight.\n"
        "Residents asked for the lamps to point away from their windows.\n"
    )
    article = import_article(text, section="city", access=Access.FREE).article
    article.lead_image = lead
    article.save(update_fields=["lead_image"])
    from kiosco.newsroom.models import Block, BlockKind

    Block.objects.create(article=article, position=3, kind=BlockKind.IMAGE, image=body_image)
    for number, section in enumerate(["city", "culture"] * 4):
        story = import_article(
            f"Harbour story number {number} about the river\n"
            f"A short standfirst for story {number}.\n\n"
            "The river rose again and the harbour waited.\n",
            section=section,
            access=Access.SUBSCRIBERS,
        ).article
        story.published_at = timezone.now() - timedelta(hours=number + 1)
        story.save(update_fields=["published_at"])
    return article.get_absolute_url()


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"newsroom-{name}.png"), full_page=True)


def assert_images_loaded_in_a_modern_format(page: Page) -> None:
    page.wait_for_load_state("load")
    for img in page.locator("picture img").all():
        img.scroll_into_view_if_needed()
        img.evaluate("(el) => el.decode()")
        assert img.evaluate("(el) => el.naturalWidth") > 0
        assert img.evaluate("(el) => el.currentSrc").rsplit(".", 1)[-1] in {"avif", "webp"}


def assert_no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_it_shows_front_article_and_search_with_images(live_server, new_context, media, size):
    url = make_edition()
    page = new_context(**(DESKTOP if size == "desktop" else PHONE)).new_page()

    page.goto(live_server.url + "/")
    lead = page.locator("article.lead-story")
    assert lead.locator("h2").inner_text() == "Harbour cranes to be lit at night"
    assert_images_loaded_in_a_modern_format(page)
    assert_no_sideways_scroll(page)
    shoot(page, f"front-{size}")

    page.goto(live_server.url + url)
    assert page.locator("figure.lead-figure figcaption").inner_text().startswith("The east quay")
    assert page.locator("figure.body-figure img").get_attribute("loading") == "lazy"
    assert_images_loaded_in_a_modern_format(page)
    assert_no_sideways_scroll(page)
    shoot(page, f"article-{size}")

    page.goto(live_server.url + "/search/")
    page.fill("#search-q", "river harbour")
    page.press("#search-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.locator("article.teaser").count() == 8
    assert "The river rose again" not in page.content()  # subscriber bodies stay out
    assert_no_sideways_scroll(page)
    shoot(page, f"search-{size}")
