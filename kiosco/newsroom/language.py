"""The language of a text, English or Spanish, by counting common function words.
Pure Python, no dependency: good enough for a news article of a few sentences, and
for telling whether one short line is in the other language (``decisive_language``)."""

from __future__ import annotations

import re

# Enough prose to tell English from Spanish; a 2 MB text is not read in full for it.
LANGUAGE_SAMPLE_CHARS = 20_000
# One line is judged only when it has this many function words and most are of one
# language: "Tu correo electrónico" (one word) is undecided, not Spanish.
LINE_MIN_HITS = 2
LINE_MIN_SHARE = 0.75

_ENGLISH = frozenset({
    "the", "and", "of", "to", "in", "is", "that", "it", "for", "was", "with", "on", "as",
    "are", "he", "she", "they", "we", "this", "have", "has", "be", "at", "by", "from",
    "not", "but", "or", "an", "were", "their", "which", "said", "will", "would", "you", "i",
    "his", "her", "its", "your", "our", "can", "here", "now", "every", "other", "more",
    "all", "get", "if", "only", "when", "one", "any", "been",
})  # fmt: skip
_SPANISH = frozenset({
    "el", "la", "los", "las", "de", "del", "y", "que", "en", "un", "una", "es", "por",
    "con", "para", "se", "su", "al", "lo", "como", "más", "pero", "sus", "le", "ya", "fue",
    "ha", "son", "está", "muy", "también", "dijo", "cuando", "sobre", "entre", "porque",
    "hay", "nos", "esta", "este", "tu", "tus", "usted", "nuestra", "nuestro", "nuestros",
    "cada", "aquí", "otro", "otra", "puede", "sin", "desde", "hasta", "solo", "todos",
})  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")


def language_hits(text: str) -> tuple[int, int]:
    """(English, Spanish) function words in the text's first 20,000 characters."""
    words = [word.lower() for word in _WORD.findall(text[:LANGUAGE_SAMPLE_CHARS])]
    return sum(word in _ENGLISH for word in words), sum(word in _SPANISH for word in words)


def detect_language(text: str, default: str = "en") -> str:
    """The language code ("en" or "es") the text is most likely in; ``default`` on a tie."""
    english, spanish = language_hits(text)
    if english == spanish:
        return default
    return "en" if english > spanish else "es"


def decisive_language(text: str) -> str | None:
    """The language of a short text when its function words say so clearly, else None."""
    english, spanish = language_hits(text)
    total = english + spanish
    if total < LINE_MIN_HITS:
        return None
    if english >= total * LINE_MIN_SHARE:
        return "en"
    if spanish >= total * LINE_MIN_SHARE:
        return "es"
    return None
