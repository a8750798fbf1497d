"""Plain text in, a parsed article out. Pure Python, no Django, no database.

The text comes from a wire feed or a copy of a web page:

- the first non-empty line is the headline, the next the standfirst; a byline line
  ("By Ana Ruiz" / "Por Ana Ruiz") may sit right after either;
- the body follows: one paragraph per line (wire style) or paragraphs separated by
  blank lines; hard-wrapped blocks (a long line breaking mid-sentence) are joined;
- interview turns open with a label kept as printed: "Question." / "Answer." (often
  the first turn only), "Q." / "A." after; Spanish "Pregunta." / "Respuesta.",
  "P." / "R."; colons ("Q:") too, and a label alone on its line followed by the text;
  unlabelled paragraphs after a turn continue it;
- site furniture at the end is dropped and reported (see ``furniture.py``).

The contract the tests hold it to: every body paragraph comes out exactly once, in
order, and nothing of the furniture does.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from kiosco.newsroom.furniture import strip_furniture
from kiosco.newsroom.language import detect_language

MAX_BYTES = 2 * 1024 * 1024
# A long report runs to a few thousand paragraphs; more lines than this is not one article
# (and would cost seconds to parse and store).
MAX_LINES = 20_000

# Block kinds, spelled as kiosco.newsroom.models.BlockKind's values (a test pins it).
PARAGRAPH, HEADING, QUESTION, ANSWER, QUOTE = "paragraph", "heading", "question", "answer", "quote"
KINDS = (PARAGRAPH, HEADING, QUESTION, ANSWER, QUOTE)

_QUESTION_WORDS = {"question", "pregunta", "Q", "P"}
_LABEL = re.compile(
    r"^(?P<label>(?i:question|answer|pregunta|respuesta)\s?[.:]|[QAPR]\s?[.:])"
    r"(?:\s*[\u2014\u2013]\s*|\s+|$)(?P<text>.*)$"
)
_SENTENCE_END = re.compile(r"[.!?…:;][\"'\u201d\u2019»)\]]*$")
_BYLINE = re.compile(r"^(?i:by|por)\s+(?P<names>.+?)\.?$")
_NAME_WORD = re.compile(r"^([A-ZÁÉÍÓÚÑÜ][\w.'\u2019-]*|and|y|e|de|del|la|van|von|da|&)$")
# A line this long that breaks mid-sentence is a hard wrap, not a heading or a label.
WRAP_EVIDENCE_CHARS = 40
HEADING_MAX_CHARS = 60
BYLINE_MAX_CHARS = 200
HEADING_MAX_WORDS = 8


class UnreadableText(ValueError):
    """The input is not a plain-text article (empty, binary, not UTF-8, too large)."""


@dataclass(frozen=True)
class ParsedBlock:
    kind: str
    text: str
    label: str = ""


@dataclass(frozen=True)
class ParsedArticle:
    headline: str
    standfirst: str
    byline: str
    language: str
    blocks: tuple[ParsedBlock, ...]
    dropped: tuple[str, ...]

    def counts(self) -> dict[str, int]:
        """Blocks per kind, every kind present (zeros included) so the shape is stable."""
        return {kind: sum(1 for block in self.blocks if block.kind == kind) for kind in KINDS}

    @property
    def turns(self) -> tuple[ParsedBlock, ...]:
        """The labelled question and answer blocks, in order."""
        return tuple(block for block in self.blocks if block.label)


def decode_text(data: bytes, *, max_bytes: int = MAX_BYTES) -> str:
    """The text of a file's bytes, or :class:`UnreadableText` saying what is wrong."""
    if len(data) > max_bytes:
        raise UnreadableText(
            f"the file is too large ({len(data):,} bytes); the importer takes at most "
            f"{max_bytes // (1024 * 1024)} MB"
        )
    if b"\x00" in data:
        raise UnreadableText("the file is binary (it contains NUL bytes), not plain text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableText(
            f"the file is not UTF-8 text (undecodable byte at offset {exc.start}); "
            "save it as UTF-8 and try again"
        ) from None
    check_text(text)
    return text


def check_text(text: str) -> None:
    if not text.strip():
        raise UnreadableText("the file is empty: an article needs at least a headline")
    if "\x00" in text:
        raise UnreadableText("the text is binary (it contains NUL characters)")
    if len(text) > MAX_BYTES:
        raise UnreadableText("the text is too large; the importer takes at most 2 MB")


def parse_article(text: str, *, default_language: str = "en") -> ParsedArticle:
    """Parse a plain-text article. Raises :class:`UnreadableText` on empty input."""
    check_text(text)
    lines = split_lines(text)
    filled = sum(1 for line in lines if line)
    if filled > MAX_LINES:
        raise UnreadableText(
            f"the text has {filled:,} non-empty lines; one article has at most {MAX_LINES:,}"
        )
    first = next(index for index, line in enumerate(lines) if line)
    rest, dropped = strip_furniture(lines[first + 1 :], is_turn=starts_turn)
    # Decided once for the whole text: a hard-wrapped standfirst wraps like the body.
    wrapped = _is_hard_wrapped(rest)
    headline, standfirst, byline, start = _header([lines[first], *rest], wrapped=wrapped)
    blocks = _blocks(_paragraphs(rest[start - 1 :], wrapped=wrapped))
    language = detect_language(
        " ".join([headline, standfirst, *(block.text for block in blocks)]), default_language
    )
    return ParsedArticle(headline, standfirst, byline, language, tuple(blocks), tuple(dropped))


def split_lines(text: str) -> list[str]:
    """Lines with whitespace collapsed (tabs, no-break spaces) and ends trimmed."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [" ".join(line.split()) for line in text.split("\n")]


# --- Header ---------------------------------------------------------------------------


def _header(lines: list[str], *, wrapped: bool) -> tuple[str, str, str, int]:
    """Headline, standfirst, byline and the index where the body starts."""
    filled = [index for index, line in enumerate(lines) if line]
    headline, cursor = lines[filled[0]], 1
    byline = standfirst = ""
    for _ in range(2):
        if cursor >= len(filled):
            break
        line = lines[filled[cursor]]
        if not byline and (names := byline_names(line)):
            byline, cursor = names, cursor + 1
        elif not standfirst and not starts_turn(line) and not byline_names(line):
            standfirst, cursor = _standfirst(lines, filled, cursor, wrapped=wrapped)
        else:
            break
    start = filled[cursor] if cursor < len(filled) else len(lines)
    return headline, standfirst, byline, start


def _standfirst(
    lines: list[str], filled: list[int], cursor: int, *, wrapped: bool
) -> tuple[str, int]:
    """The standfirst line, or in hard-wrapped text its whole block."""
    parts = [lines[filled[cursor]]]
    if wrapped:
        while cursor + 1 < len(filled) and filled[cursor + 1] == filled[cursor] + 1:
            following = lines[filled[cursor + 1]]
            if byline_names(following) or starts_turn(following):
                break
            parts.append(following)
            cursor += 1
    return " ".join(parts), cursor + 1


def byline_names(line: str) -> str:
    """The names of a byline line ("By Ana Ruiz and Tom Hale"), or "" for other lines.
    Every word after "By"/"Por" must be a capitalised name or a connector, so
    "By the end of the year, ..." stays a standfirst."""
    match = _BYLINE.match(line) if len(line) <= BYLINE_MAX_CHARS else None
    if not match:
        return ""
    names = match["names"].replace(",", " , ")
    words = [word for word in names.split() if word != ","]
    if not 1 <= len(words) <= 10 or not words[0][0].isupper():
        return ""
    return match["names"] if all(_NAME_WORD.match(word) for word in words) else ""


# --- Body -----------------------------------------------------------------------------


def label_of(line: str) -> tuple[str, str] | None:
    """(label as printed, rest of the line) when the line opens an interview turn."""
    match = _LABEL.match(line)
    return (match["label"], match["text"]) if match else None


def starts_turn(line: str) -> bool:
    return label_of(line) is not None


def _is_label_only(line: str) -> bool:
    found = label_of(line)
    return found is not None and not found[1]


def _paragraphs(lines: list[str], *, wrapped: bool) -> list[str]:
    """Logical paragraphs: hard-wrapped blocks joined, otherwise one per line."""
    paragraphs: list[list[str]] = []  # lists of lines, joined once at the end
    previous = ""
    for line in lines:
        if line and previous and _continues(previous, line, wrapped=wrapped):
            paragraphs[-1].append(line)
        elif line:
            paragraphs.append([line])
        previous = line
    return [" ".join(parts) for parts in paragraphs]


def _continues(previous: str, line: str, *, wrapped: bool) -> bool:
    """Whether ``line`` goes on the paragraph ``previous`` (the line just above) is in."""
    if starts_turn(line) or _is_label_only(previous):
        return False
    if wrapped:
        return True
    # Wire style: each line is a paragraph, unless it plainly carries on a sentence.
    return not _SENTENCE_END.search(previous) and line[0].islower()


def _is_hard_wrapped(lines: list[str]) -> bool:
    """A text is hard-wrapped when paragraphs are separated by blank lines and some long
    line breaks mid-sentence: no final punctuation, and the next line goes on in lower
    case. (A long heading right above its paragraph is followed by a capital.)"""
    if "" not in lines[: len(lines) - 1]:
        return False
    return any(
        len(line) >= WRAP_EVIDENCE_CHARS
        and following[:1].islower()
        and not _SENTENCE_END.search(line)
        for line, following in itertools.pairwise(lines)
    )


def _blocks(paragraphs: list[str]) -> list[ParsedBlock]:
    interview = _is_interview(paragraphs)
    blocks: list[ParsedBlock] = []
    turn_kind = ""
    pending_label = ""
    for index, paragraph in enumerate(paragraphs):
        found = label_of(paragraph) if interview else None
        if found and not found[1]:
            if pending_label:  # two labels in a row: keep the first as text, never lose it
                blocks.append(ParsedBlock(PARAGRAPH, pending_label))
            pending_label = found[0]  # a label alone on its line: the text follows
            continue
        if pending_label and found:
            blocks.append(ParsedBlock(PARAGRAPH, pending_label))
        elif pending_label:
            found = (pending_label, paragraph)
        pending_label = ""
        is_last = index == len(paragraphs) - 1
        block = _block(paragraph, found, turn_kind, is_last=is_last)
        turn_kind = block.kind if block.kind in (QUESTION, ANSWER) else ""
        blocks.append(block)
    if pending_label:
        blocks.append(ParsedBlock(PARAGRAPH, pending_label))
    return blocks


def _block(
    paragraph: str, found: tuple[str, str] | None, turn_kind: str, *, is_last: bool
) -> ParsedBlock:
    if found:
        label, text = found
        return ParsedBlock(_turn_kind(label), text, label)
    if paragraph.startswith("> ") and len(paragraph) > 2:
        return ParsedBlock(QUOTE, paragraph[2:])
    if not is_last and _looks_like_heading(paragraph):
        return ParsedBlock(HEADING, paragraph)
    return ParsedBlock(turn_kind or PARAGRAPH, paragraph)


def _turn_kind(label: str) -> str:
    word = label.rstrip(".: ").strip()
    return QUESTION if word.lower() in _QUESTION_WORDS or word in _QUESTION_WORDS else ANSWER


def _is_interview(paragraphs: list[str]) -> bool:
    """Turn labels count only in a text that has both a question and an answer label,
    so "A. Smith" opening a line of an ordinary article stays a paragraph."""
    kinds = {_turn_kind(found[0]) for p in paragraphs if (found := label_of(p))}
    return kinds == {QUESTION, ANSWER}


def _looks_like_heading(paragraph: str) -> bool:
    words = paragraph.split()
    return (
        len(paragraph) <= HEADING_MAX_CHARS
        and len(words) <= HEADING_MAX_WORDS
        and (paragraph[0].isupper() or paragraph[0].isdigit())
        and not _SENTENCE_END.search(paragraph)
        and not paragraph.endswith(",")
    )
