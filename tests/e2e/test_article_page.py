"""An interview read on a phone, in the real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from kiosco.newsroom.models import BlockKind, Section
from tests.newsroom.page_data import add_blocks, make_article

LONG_ADDRESS = "https://example.org/" + "averylongpathsegment" * 8  # no break opportunity


def long_interview() -> str:
    section = Section.objects.create(slug="culture", name="Culture")
    article = make_article(
        section,
        "bridge-builder",
        headline="The engineer who builds bridges for bicycles and nothing else",
        standfirst="Thirteen questions about steel, patience and the cyclists who complain.",
    )
    blocks = [(BlockKind.PARAGRAPH, "", "We met her under one of her bridges, in the rain.")]
    for turn in range(1, 14):
        first = turn == 1
        answer = f"Answer number {turn}, long enough to wrap on a narrow screen twice over."
        if turn == 7:
            answer += f" The drawings are at {LONG_ADDRESS}"
        blocks += [
            (BlockKind.QUESTION, "Question." if first else "Q.", f"Question number {turn}?"),
            (BlockKind.ANSWER, "Answer." if first else "A.", answer),
        ]
    add_blocks(article, blocks)
    return article.get_absolute_url()


@pytest.mark.django_db(transaction=True)
def test_it_shows_every_turn_of_an_interview_on_a_phone(live_server, phone_page: Page):
    phone_page.goto(live_server.url + long_interview())
    turns = phone_page.locator("section.turn")
    assert turns.count() == 13
    for index in range(13):
        turn = turns.nth(index)
        turn.scroll_into_view_if_needed()
        question, answer = turn.locator(".question"), turn.locator(".answer")
        assert question.is_visible() and answer.is_visible()
        assert question.inner_text().startswith("Question." if index == 0 else "Q.")
        assert answer.inner_text().startswith("Answer." if index == 0 else "A.")
        # Set apart: the answer starts below the question, not beside it.
        q_box, a_box = question.bounding_box(), answer.bounding_box()
        assert q_box is not None and a_box is not None
        assert a_box["y"] >= q_box["y"] + q_box["height"] - 1


@pytest.mark.django_db(transaction=True)
def test_it_does_not_overflow_a_phone_screen_sideways(live_server, phone_page: Page):
    phone_page.goto(live_server.url + long_interview())
    widths = phone_page.evaluate(
        "() => ({page: document.documentElement.scrollWidth,"
        " body: document.body.scrollWidth, screen: window.innerWidth})"
    )
    assert widths["screen"] == 375
    assert widths["page"] <= widths["screen"] and widths["body"] <= widths["screen"]
    body_size = phone_page.locator(".article-body p").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert body_size >= 16  # readable without zooming


@pytest.mark.django_db(transaction=True)
def test_it_switches_the_interface_to_spanish_and_keeps_the_article_language(
    live_server, phone_page: Page, insecure_cookies: None
):
    url = long_interview()
    phone_page.goto(live_server.url + url)
    phone_page.select_option("#language-select", "es")
    phone_page.click(".language-switch button")
    phone_page.wait_for_url(live_server.url + url)
    assert phone_page.locator(".account-nav").inner_text().startswith("Iniciar sesión")
    assert phone_page.locator("html").get_attribute("lang") == "en"
    assert phone_page.locator("section.turn").count() == 13
