"""The demo edition and `kiosco load-demo`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from kiosco.newsroom import demo
from kiosco.newsroom.importer import parse_article
from kiosco.newsroom.models import Access, Article, Block, Section

pytestmark = pytest.mark.django_db


def test_it_loads_a_demo_edition_of_eight_articles_or_more_in_three_sections():
    demo.load_edition()
    articles = Article.objects.published()
    assert articles.count() >= 8
    assert Section.objects.count() == 3
    assert set(articles.values_list("section__slug", flat=True)) == {"city", "science", "culture"}
    assert set(articles.values_list("language", flat=True)) == {"en", "es"}


def test_it_mixes_access_levels_mostly_for_subscribers():
    demo.load_edition()
    levels = list(Article.objects.values_list("access", flat=True))
    assert levels.count(Access.FREE) == 1
    assert levels.count(Access.REGISTERED) >= 1
    assert levels.count(Access.SUBSCRIBERS) > len(levels) / 2


def labelled_turns(article: Article) -> list[tuple[str, str]]:
    return list(article.blocks.exclude(label="").values_list("kind", "label"))


def test_it_has_a_long_english_interview_labelled_as_printed():
    demo.load_edition()
    turns = labelled_turns(Article.objects.get(language="en", blocks__label="Question."))
    assert len(turns) >= 24  # twelve questions and their answers, at least
    assert turns[:4] == [("question", "Question."), ("answer", "Answer."),
                         ("question", "Q."), ("answer", "A.")]  # fmt: skip
    assert {label for _, label in turns[2:]} == {"Q.", "A."}


def test_it_has_a_spanish_interview_labelled_as_printed():
    demo.load_edition()
    turns = labelled_turns(Article.objects.get(language="es", blocks__label="Pregunta."))
    assert turns[:4] == [("question", "Pregunta."), ("answer", "Respuesta."),
                         ("question", "P."), ("answer", "R.")]  # fmt: skip
    assert {label for _, label in turns[2:]} == {"P.", "R."}


def test_it_drops_the_furniture_of_the_copied_page():
    demo.load_edition()
    article = Article.objects.get(slug="night-buses-return-to-the-harbour-line-after-two-years")
    texts = " ".join(article.blocks.values_list("text", flat=True))
    assert "newsletter" not in texts and "cookies" not in texts and "suscriptor" not in texts
    last = article.blocks.last()
    assert last is not None and last.text.endswith('"Now we have to use it."')


def test_it_loads_idempotently():
    demo.load_edition()
    before = list(Block.objects.order_by("id").values_list("id", "text"))
    published = dict(Article.objects.values_list("id", "published_at"))
    demo.load_edition()
    assert list(Block.objects.order_by("id").values_list("id", "text")) == before
    assert dict(Article.objects.values_list("id", "published_at")) == published


def login_lines() -> list[str]:
    return ["alice@example.com / demo-password"]


LOADERS = ["kiosco.newsroom.demo.load_edition", "tests.newsroom.test_demo.login_lines"]


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_url_and_every_loaders_lines(settings, tmp_path):
    settings.VAR_DIR, settings.KIOSCO_DEMO_LOADERS = tmp_path, LOADERS
    out = load_demo("--once")
    assert f"{settings.KIOSCO_PUBLIC_URL}/" in out
    assert "Demo edition: 9 articles in City, Science, Culture" in out
    assert "alice@example.com / demo-password" in out
    assert demo.is_loaded()


def test_it_loads_only_once_but_prints_the_lines_every_time(settings, tmp_path, monkeypatch):
    settings.VAR_DIR, settings.KIOSCO_DEMO_LOADERS = tmp_path, LOADERS
    load_demo("--once")
    monkeypatch.setattr(demo, "load_edition", lambda: pytest.fail("loaded twice"))
    out = load_demo("--once")
    assert "already loaded" in out
    assert "alice@example.com / demo-password" in out


def test_it_loads_again_when_the_articles_are_gone(settings, tmp_path):
    settings.VAR_DIR, settings.KIOSCO_DEMO_LOADERS = tmp_path, LOADERS
    load_demo("--once")
    Article.objects.all().delete()
    out = load_demo("--once")
    assert "already loaded" not in out
    assert demo.is_loaded()


def test_it_drops_nothing_from_the_demo_texts_but_the_copied_page_furniture():
    dropped = {entry.file: parse_article(entry.text).dropped for entry in demo.demo_articles()}
    assert len(dropped.pop("night-buses.txt")) == 5
    assert set(dropped.values()) == {()}


def test_it_serves_every_demo_article(client):
    demo.load_edition()
    for article in Article.objects.published():
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200, article.slug
        assert f'lang="{article.language}"'.encode() in response.content
