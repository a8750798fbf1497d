"""The importer's corpus: texts and saved pages written for these tests that imitate
what copy and paste from news pages carries — calls to action glued to the last line,
device dialogs and notices in the other language, share and comment counters, "read
more" lists, cookie banners, image credits, long runs of blank lines — and two
articles whose last paragraphs only *talk about* accounts, passwords and newsletters.
Each is held to its whole expected parse, every block and every dropped line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosco.newsroom.importer import decode_text, parse_article
from kiosco.newsroom.webpage import looks_like_html, text_from_html

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
PAGES = sorted(p for p in CORPUS.iterdir() if p.suffix in {".txt", ".html"})


def expected(page: Path) -> dict:
    return json.loads(page.with_suffix(".expected.json").read_text(encoding="utf-8"))


def parsed_as_json(page: Path) -> dict:
    text = decode_text(page.read_bytes())
    if looks_like_html(text):
        text = text_from_html(text)
    parsed = parse_article(text)
    return {
        "headline": parsed.headline,
        "standfirst": parsed.standfirst,
        "byline": parsed.byline,
        "language": parsed.language,
        "blocks": [[block.kind, block.label, block.text] for block in parsed.blocks],
        "dropped": list(parsed.dropped),
    }


def test_it_has_a_corpus_of_at_least_twelve_pages_in_both_languages():
    languages = {expected(page)["language"] for page in PAGES}
    assert len(PAGES) >= 12 and languages == {"en", "es"}


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_it_parses_each_page_of_the_corpus_exactly(page):
    assert parsed_as_json(page) == expected(page)


def test_it_drops_a_whole_device_dialog_in_the_other_language():
    dropped = expected(CORPUS / "02_entrevista_es_dialogo_en.txt")["dropped"]
    assert parsed_as_json(CORPUS / "02_entrevista_es_dialogo_en.txt")["dropped"] == dropped
    assert dropped[0] == "Reading on another device" and len(dropped) == 6


def test_it_cuts_a_call_to_action_glued_to_the_last_sentence():
    result = parsed_as_json(CORPUS / "09_cronica_es_cta_pegada.txt")
    assert result["blocks"][-1][2].endswith("junto al mercado.")
    assert result["dropped"] == [
        "Recibe cada viernes nuestro boletín de barrio en su correo: suscríbase aquí"
    ]


@pytest.mark.parametrize(
    "name", ["10_report_en_precision_passwords.txt", "11_reportaje_es_precision_boletin.txt"]
)
def test_it_keeps_closing_paragraphs_that_only_mention_accounts_and_newsletters(name):
    assert parsed_as_json(CORPUS / name)["dropped"] == []
