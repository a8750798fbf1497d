"""A saved web page in, the plain text the importer reads out. No Django.

The article is found in the page by trafilatura (a maintained extraction library:
main-content detection, metadata from ``<meta>``/JSON-LD, boilerplate removal); what
its heuristics keep of the page's furniture is then dropped and reported by the same
rules as a pasted text (``furniture.py``), so both paths agree.
"""

from __future__ import annotations

import trafilatura
from trafilatura.settings import Document

from kiosco.newsroom.importer import UnreadableText

_HTML_MARKS = ("<!doctype html", "<html", "<head", "<body")


def looks_like_html(text: str) -> bool:
    """Whether a decoded file is a web page rather than plain text."""
    start = text.lstrip("\ufeff \t\r\n")[:1000].lower()
    return start.startswith("<") and any(mark in start for mark in _HTML_MARKS)


def text_from_html(html: str) -> str:
    """The page's article as importer text: headline, standfirst, byline, one paragraph
    per line. Raises :class:`UnreadableText` when the page holds no article."""
    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False
    )
    if not isinstance(document, Document) or not (document.text or "").strip():
        raise UnreadableText("no article was found in the page (is it the article's own page?)")
    body = (document.text or "").strip()
    headline = (document.title or "").strip()
    standfirst = (document.description or "").strip()
    lines = _without_header_repeats(body.splitlines(), headline, standfirst)
    if not headline or not lines:
        raise UnreadableText("no article was found in the page (it has no headline or no body)")
    header = [line for line in (headline, standfirst) if line]
    if document.author:
        header.append(f"By {document.author.strip()}")
    return "\n".join([*header, "", *lines]) + "\n"


def _without_header_repeats(lines: list[str], headline: str, standfirst: str) -> list[str]:
    """The extracted text repeats the headline and standfirst the header already has."""
    lines = [line.strip() for line in lines if line.strip()]
    for repeated in (headline, standfirst):
        if lines and repeated and lines[0] == repeated:
            lines = lines[1:]
    return lines
