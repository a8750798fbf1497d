"""`kiosco import-article`: the command around ``services.import_article``."""

from __future__ import annotations

import io
import json
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kiosco.newsroom.importer import MAX_BYTES
from kiosco.newsroom.models import Article, Block, Section

FIXTURES = Path(__file__).parent / "fixtures"
INTERVIEW = FIXTURES / "interview_en_furniture_es.txt"

pytestmark = pytest.mark.django_db


@pytest.fixture
def science() -> Section:
    return Section.objects.create(slug="science", name="Science")


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_article", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_import_as_json(science):
    report = json.loads(run(str(INTERVIEW), "--section", "science", "--json"))
    assert report["slug"] == "a-lighthouse-is-a-clock-that-nobody-winds-any-more"
    assert report["headline"] == '"A lighthouse is a clock that nobody winds any more"'
    assert report["standfirst"].startswith("The last keeper of the Cap Roig light")
    assert report["language"] == "en"
    assert report["blocks"] == {
        "paragraph": 1, "heading": 0, "question": 5, "answer": 6, "quote": 0,
    }  # fmt: skip
    assert report["turns"] == 10
    assert report["dropped"][0] == "Recibe nuestra newsletter cada mañana en tu correo"
    assert len(report["dropped"]) == 6
    article = Article.objects.get(slug=report["slug"])
    assert (article.section, article.access, article.byline) == (
        science, "subscribers", "Test Writer",
    )  # fmt: skip
    assert article.published_at is not None
    assert [a.name for a in article.authors.all()] == ["Test Writer"]


def test_it_updates_the_same_article_when_run_again(science):
    first = json.loads(run(str(INTERVIEW), "--section", "science", "--json"))
    again = json.loads(run(str(INTERVIEW), "--access", "free", "--draft", "--json"))
    assert (first["created"], again["created"]) == (True, False)
    article = Article.objects.get()
    assert (article.access, article.published_at, article.section) == ("free", None, science)
    assert Block.objects.filter(article=article).count() == 12


def test_it_prints_a_summary_with_the_dropped_lines(science):
    out = run(str(INTERVIEW), "--section", "Science")
    assert out.startswith("Imported 'a-lighthouse-is-a-clock-that-nobody-winds-any-more'")
    assert "  dropped: Compartir" in out
    assert run(str(INTERVIEW)).startswith("Unchanged 'a-lighthouse")


def test_it_refuses_an_unknown_section_and_lists_the_known_ones(science):
    with pytest.raises(CommandError, match="unknown section 'sport'; known sections: science"):
        run(str(INTERVIEW), "--section", "sport")
    assert not Article.objects.exists()


def test_it_creates_a_section_when_asked(db):
    run(str(INTERVIEW), "--section", "Coast Life", "--create-section")
    section = Section.objects.get(slug="coast-life")
    assert section.name == "Coast Life"
    assert Article.objects.get().section == section


def test_it_refuses_an_overlong_new_section_name_and_writes_nothing(db):
    with pytest.raises(CommandError, match="at most 120 characters"):
        run(str(INTERVIEW), "--section", "Harbour " * 40, "--create-section")
    assert not Section.objects.exists()
    assert not Article.objects.exists()


def test_it_needs_a_section_for_a_new_article(science):
    with pytest.raises(CommandError, match="a new article needs a section"):
        run(str(INTERVIEW))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"Caf\xe9 y churros\nEntradilla.\n", "not UTF-8"),
        (b"Headline\n" + b"word " * (MAX_BYTES // 5 + 1), "too large"),
        (b"A first line far too long to be a headline " * 20 + b"\nStand.\n", "headline"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(tmp_path, science, content, message):
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as refused:
        run(str(path), "--section", "science")
    assert "nothing was imported" in str(refused.value)
    assert not Article.objects.exists()
    assert not Block.objects.exists()


def test_it_refuses_a_missing_file(science, tmp_path):
    with pytest.raises(CommandError, match="cannot read it"):
        run(str(tmp_path / "nope.txt"), "--section", "science")


def test_it_exits_non_zero_from_the_console_script(tmp_path, science, capsys):
    from kiosco.cli import main

    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(SystemExit) as exited:
        main(["kiosco", "import-article", str(empty), "--section", "science"])
    assert exited.value.code != 0
    assert "the file is empty" in capsys.readouterr().err


def test_it_keeps_the_json_report_shape(science):
    report = json.loads(run(str(INTERVIEW), "--section", "science", "--json"))
    # The --json output is a promise to scripts: new keys may come, none may go.
    assert set(report) == {
        "slug", "headline", "standfirst", "language", "blocks", "turns", "dropped",
        "created", "changed", "section", "access", "published_at", "dry_run",
    }  # fmt: skip
    assert set(report["blocks"]) == {"paragraph", "heading", "question", "answer", "quote"}


def test_it_takes_authors_language_and_draft_from_the_options(science):
    run(str(INTERVIEW), "--section", "science", "--author", "Ana Ruiz", "--author", "Tom Hale",
        "--language", "es", "--draft")  # fmt: skip
    article = Article.objects.get()
    assert sorted(a.name for a in article.authors.all()) == ["Ana Ruiz", "Tom Hale"]
    assert (article.language, article.published_at) == ("es", None)


def test_it_reads_standard_input(science, monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(INTERVIEW.read_bytes()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert json.loads(run("-", "--section", "science", "--json"))["turns"] == 10


CORPUS = FIXTURES / "corpus"


def test_it_shows_a_dry_run_and_writes_nothing(science):
    page = CORPUS / "02_entrevista_es_dialogo_en.txt"
    out = run(str(page), "--section", "science", "--dry-run")
    assert out.startswith("Dry run, nothing written: would be imported 'la-restauradora")
    assert "  dropped: Reading on another device" in out
    assert "  6 line(s) dropped" in out
    assert (Article.objects.count(), Block.objects.count()) == (0, 0)


def test_it_reports_a_dry_run_of_an_existing_article_as_unchanged(science):
    page = CORPUS / "12_interview_en_paywall_en.txt"
    run(str(page), "--section", "science")
    report = json.loads(run(str(page), "--dry-run", "--json"))
    assert (report["dry_run"], report["created"], report["changed"]) == (True, False, False)
    assert Article.objects.count() == 1


def test_it_imports_a_saved_web_page(science):
    report = json.loads(
        run(str(CORPUS / "15_pagina_es_guardada.html"), "--section", "science", "--json")
    )
    article = Article.objects.get(slug=report["slug"])
    assert article.headline == "«Cada reloj que arreglo me cuenta la vida de su dueño»"
    assert (article.language, article.byline, report["turns"]) == ("es", "Autora de Prueba", 6)
    assert report["dropped"][0] == "You are reading on another device"
    assert not Block.objects.filter(text__contains="subscription").exists()


def test_it_refuses_a_page_without_an_article(science, tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<!DOCTYPE html><html><body><nav>Home</nav></body></html>")
    with pytest.raises(CommandError, match="no article was found in the page"):
        run(str(page), "--section", "science")
    assert Article.objects.count() == 0
