"""The newsroom's pages: front, section and article, interviews as conversations,
the page language, the Spanish interface and who receives an article's body."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse

from kiosco.newsroom.access import AccessDecision, can_read_body
from kiosco.newsroom.models import Block, BlockKind
from kiosco.readers.models import Reader
from tests.newsroom.page_data import Edition, add_blocks, make_article, make_edition, parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition() -> Edition:
    return make_edition()


@pytest.fixture
def alice() -> Reader:
    return Reader.objects.create_user("alice@example.com", "a-long-password")


def always_entitled(request: object, article: object) -> AccessDecision:
    return AccessDecision(True, "entitled")


def get_page(client: Client, url: str, status: int = 200, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == status
    return response.content.decode()


# --- The interview as a conversation ----------------------------------------------------


def test_it_renders_each_turn_in_order_with_its_printed_labels(client, edition):
    page = parse_html(client.get(edition.interview.get_absolute_url()).content)
    turns = page.find("div", "article-body").find_all("section", "turn")
    labels = [
        (
            turn.find(cls="question").find("b", "label").text(),
            turn.find(cls="answer").find("b", "label").text(),
        )
        for turn in turns
    ]
    assert labels == [("Question.", "Answer."), ("Q.", "A."), ("Q.", "A.")]
    questions = [turn.find(cls="question").text() for turn in turns]
    assert questions == [
        "Question. How did you come to the lighthouse?",
        "Q. Do you still climb the stairs every night?",
        "Q. What changed after the storm?",
    ]


def test_it_sets_each_question_apart_from_its_answer(client, edition):
    page = parse_html(client.get(edition.interview.get_absolute_url()).content)
    turn = page.find_all("section", "turn")[1]
    question, answer = turn.elements()
    assert "question" in question.classes and "answer" in answer.classes
    assert "212" not in question.text()
    # A multi-paragraph answer keeps its paragraphs, the label only on the first.
    assert [p.text() for p in answer.find_all("p")] == [
        "A. Every night, all 212 of them.",
        "My knees keep the count.",
    ]


def test_it_renders_headings_quotes_and_paragraphs_in_body_order(client, edition):
    page = parse_html(client.get(edition.interview.get_absolute_url()).content)
    body = page.find("div", "article-body")
    kinds = ["turn" if "turn" in el.classes else el.tag for el in body.elements()]
    assert kinds == ["p", "turn", "turn", "h2", "blockquote", "turn"]
    assert body.find("blockquote").text() == "The sea does not negotiate."


def test_it_uses_semantic_elements_and_a_machine_readable_date(client, edition):
    page = parse_html(client.get(edition.interview.get_absolute_url()).content)
    for tag in ("header", "nav", "main", "article", "footer"):
        assert page.find_all(tag), tag
    time = page.find("article").find("time")
    assert time.attrs["datetime"] == edition.interview.published_at.isoformat()


# --- Language ---------------------------------------------------------------------------


def test_it_takes_the_page_language_from_the_article(client, edition, alice, settings):
    settings.KIOSCO_ACCESS_DECISION = "tests.newsroom.test_pages.always_entitled"
    client.force_login(alice)
    spanish = parse_html(client.get(edition.entrevista.get_absolute_url()).content)
    english = parse_html(client.get(edition.interview.get_absolute_url()).content)
    assert spanish.find("html").attrs["lang"] == "es"
    assert english.find("html").attrs["lang"] == "en"
    labels = [b.text() for b in spanish.find_all("b", "label")]
    assert labels == ["Pregunta.", "Respuesta.", "P.", "R."]


def test_it_keeps_the_article_language_under_a_spanish_interface(client, edition):
    html = get_page(client, edition.interview.get_absolute_url(), accept_language="es")
    page = parse_html(html)
    assert page.find("html").attrs["lang"] == "en"
    assert page.find("header", "masthead").attrs["lang"] == "es"
    assert "Iniciar sesión" in html


def test_it_speaks_spanish_when_the_browser_asks_for_it(client, edition):
    html = get_page(client, "/", accept_language="es-ES,es;q=0.9")
    assert "Últimas noticias" in html and "Iniciar sesión" in html
    assert parse_html(html).find("html").attrs["lang"] == "es"


def test_it_speaks_spanish_after_the_language_switch(client, edition):
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    html = get_page(client, "/")
    assert "Suscribirse" in html and "Latest" not in html


@pytest.mark.parametrize("shape", ["front", "section", "article", "account", "missing"])
def test_every_page_names_its_language_and_tells_caches_it_varies_with_it(client, edition, shape):
    """A proxy or a browser keeps one copy per language: Content-Language says which,
    and Vary says the copy depends on Accept-Language, on every path (a section's
    first segment is no language code; nor is an unknown path's)."""
    url = {
        "front": "/",
        "section": edition.world.get_absolute_url(),
        "article": edition.interview.get_absolute_url(),
        "account": reverse("account_login"),
        "missing": "/es/no-such-page/",
    }[shape]
    for asked, language in (("es-ES,es;q=0.9", "es"), ("en", "en"), ("fr", "en")):
        response = client.get(url, headers={"accept-language": asked})
        assert response.status_code == (404 if shape == "missing" else 200)
        assert response["Content-Language"] == language, (shape, asked)
        assert "Accept-Language" in response["Vary"]


def test_it_speaks_english_by_default(client, edition):
    html = get_page(client, "/")
    assert "Latest" in html and "Sign in" in html


# --- Front and section pages ------------------------------------------------------------


def test_it_lists_published_articles_on_the_front_page_grouped_by_section(client, edition):
    html = get_page(client, "/")
    for article in (edition.interview, edition.entrevista, edition.registered):
        assert article.get_absolute_url() in html
    assert edition.scheduled.headline not in html
    assert edition.draft.headline not in html


def test_it_groups_older_articles_under_their_sections(client, edition, monkeypatch):
    monkeypatch.setattr("kiosco.newsroom.reading.SECONDARY_COUNT", 0)
    page = parse_html(client.get("/").content)
    groups = {
        section.find("h2").text(): [a.find("h3").text() for a in section.find_all("article")]
        for section in page.find_all("section", "front-section")
    }
    assert groups == {
        "World": ["Forty winters at the lighthouse"],
        "Culture": ["La cocinera de la estación"],
    }


def test_it_lists_only_the_sections_articles_on_a_section_page(client, edition):
    html = get_page(client, "/culture/")
    assert edition.entrevista.headline in html
    assert edition.interview.headline not in html
    assert edition.draft.headline not in html


@pytest.mark.parametrize(
    "url",
    [
        "/nowhere/",
        "/nowhere/lighthouse-keeper/",
        "/world/no-such-article/",
        "/culture/lighthouse-keeper/",
        "/world/tomorrow/",
        "/culture/draft-piece/",
    ],
)
def test_it_answers_404_for_unknown_or_unpublished_pages(client, edition, url):
    html = get_page(client, url, status=404)
    assert "Page not found" in html


def test_it_shows_the_navigation_and_account_links(client, edition, alice):
    html = get_page(client, "/")
    assert 'href="/world/"' in html and 'href="/culture/"' in html
    assert reverse("account_login") in html and reverse("account_signup") in html
    client.force_login(alice)
    html = get_page(client, "/")
    assert 'href="/account/"' in html and reverse("account_logout") in html


# --- Who receives the body --------------------------------------------------------------


def test_it_sends_a_subscriber_article_only_as_a_teaser_to_anonymous_readers(client, edition):
    html = get_page(client, edition.entrevista.get_absolute_url())
    assert "SECRET-ES-ANSWER" not in html
    assert "¿Por qué una estación?" not in html
    page = parse_html(html)
    assert page.find("h1").text() == "La cocinera de la estación"
    assert page.find("div", "article-body").text() == (
        "La cocinera que abrió un comedor en una estación de tren."
    )
    assert 'href="/plans/"' in html
    # The teaser is every anonymous visitor's: a proxy may share it (never a body).
    assert "public" in client.get(edition.entrevista.get_absolute_url())["Cache-Control"]


def test_it_refuses_a_subscriber_article_to_a_reader_without_entitlement(client, edition, alice):
    client.force_login(alice)
    html = get_page(client, edition.entrevista.get_absolute_url())
    assert "SECRET-ES-ANSWER" not in html
    assert 'href="/plans/"' in html


def test_it_sends_the_whole_body_when_the_entitlement_hook_says_yes(
    client, edition, alice, settings
):
    settings.KIOSCO_ACCESS_DECISION = "tests.newsroom.test_pages.always_entitled"
    client.force_login(alice)
    html = get_page(client, edition.entrevista.get_absolute_url())
    assert "SECRET-ES-ANSWER" in html
    assert 'class="paywall"' not in html


def test_it_asks_anonymous_readers_to_sign_in_for_registered_articles(client, edition, alice):
    url = edition.registered.get_absolute_url()
    html = get_page(client, url)
    assert "SECRET-REGISTERED-PARAGRAPH" not in html
    assert f'href="{reverse("account_login")}?next={url}"' in html
    client.force_login(alice)
    html = get_page(client, url)
    assert "SECRET-REGISTERED-PARAGRAPH" in html


def test_it_decides_access_by_level_and_entitlement(rf, edition, alice, settings):
    anonymous, signed_in = rf.get("/"), rf.get("/")
    anonymous.user, signed_in.user = AnonymousUser(), alice
    assert can_read_body(anonymous, edition.interview) == AccessDecision(True, "free")
    assert can_read_body(anonymous, edition.registered) == AccessDecision(False, "sign_in")
    assert can_read_body(signed_in, edition.registered) == AccessDecision(True, "registered")
    assert can_read_body(anonymous, edition.entrevista) == AccessDecision(False, "subscribe")
    assert can_read_body(signed_in, edition.entrevista) == AccessDecision(False, "subscribe")
    settings.KIOSCO_ACCESS_DECISION = "tests.newsroom.test_pages.always_entitled"
    assert can_read_body(signed_in, edition.entrevista) == AccessDecision(True, "entitled")


@override_settings(KIOSCO_ACCESS_DECISION="tests.newsroom.test_pages.always_entitled")
def test_it_never_sends_a_subscriber_body_to_anonymous_readers_whatever_the_hook(client, edition):
    html = get_page(client, edition.entrevista.get_absolute_url())
    assert "SECRET-ES-ANSWER" not in html


def test_it_reads_an_article_page_in_a_fixed_number_of_queries(
    client, edition, django_assert_max_num_queries
):
    # Rendered anew: the version tokens (a table without Redis), when the next scheduled
    # article is due, the sections nav, article, authors, blocks; none per block or turn.
    with django_assert_max_num_queries(6):
        client.get(edition.interview.get_absolute_url())


def test_it_gives_no_teaser_when_the_body_opens_with_a_question(client, edition):
    Block.objects.filter(article=edition.entrevista, position=0).delete()
    html = get_page(client, edition.entrevista.get_absolute_url())
    assert parse_html(html).find("div", "article-body").text() == ""
    assert "¿Por qué una estación?" not in html


def test_it_renders_the_error_page_without_a_request_or_database():
    html = render_to_string("500.html")
    assert "Something went wrong" in html and "Algo salió mal" in html


def test_it_keeps_unlabelled_continuations_inside_their_turn(client, edition):
    # The importer stores a question's or an answer's further paragraphs unlabelled.
    article = make_article(edition.world, "continued")
    add_blocks(
        article,
        [
            (BlockKind.QUESTION, "Q.", "First part of the question."),
            (BlockKind.QUESTION, "", "Second part of the question?"),
            (BlockKind.ANSWER, "A.", "First part of the answer."),
            (BlockKind.ANSWER, "", "Second part of the answer."),
            (BlockKind.QUESTION, "Q.", "Next question?"),
            (BlockKind.ANSWER, "A.", "Next answer."),
        ],
    )
    page = parse_html(get_page(client, article.get_absolute_url()))
    turns = page.find_all("section", "turn")
    assert [
        (
            [p.text() for p in t.find(cls="question").find_all("p")],
            [p.text() for p in t.find(cls="answer").find_all("p")],
        )
        for t in turns
    ] == [
        (
            ["Q. First part of the question.", "Second part of the question?"],
            ["A. First part of the answer.", "Second part of the answer."],
        ),
        (["Q. Next question?"], ["A. Next answer."]),
    ]
