"""The language of a text, English or Spanish, by counting common function words.
Pure Python, no dependency: good enough for a news article of a few sentences."""

from __future__ import annotations

import re

# Enough prose to tell English from Spanish; a 2 MB text is not read in full for it.
LANGUAGE_SAMPLE_CHARS = 20_000

_ENGLISH = frozenset({
    "the", "and", "of", "to", "in", "is", "that", "it", "for", "was", "with", "on", "as",
    "are", "he", "she", "they", "we", "this", "have", "has", "be", "at", "by", "from",
    "not", "but", "or", "an", "were", "their", "which", "said", "will", "would", "you", "i",
    "his", "her", "its",
})  # fmt: skip
_SPANISH = frozenset({
    "el", "la", "los", "las", "de", "del", "y", "que", "en", "un", "una", "es", "por",
    "con", "para", "se", "su", "al", "lo", "como", "más", "pero", "sus", "le", "ya", "fue",
    "ha", "son", "está", "muy", "también", "dijo", "cuando", "sobre", "entre", "porque",
    "hay", "nos", "esta",
})  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str, default: str = "en") -> str:
    """The language code ("en" or "es") the text is most likely in; ``default`` on a tie."""
    words = [word.lower() for word in _WORD.findall(text[:LANGUAGE_SAMPLE_CHARS])]
    english = sum(word in _ENGLISH for word in words)
    spanish = sum(word in _SPANISH for word in words)
    if english == spanish:
        return default
    return "en" if english > spanish else "es"
