"""A post's HTML body, as a CMS stored it, into blocks: paragraphs, headings, quotes and
images, in order. Pure, no database.

Not an extraction library's job (trafilatura, used for saved web pages, looks for the
article inside a page's furniture; here the whole body is the article): a walk over
lxml's tree that knows which elements hold blocks. What real exports carry and a naive
reading got wrong: Gutenberg's ``<div>`` groups of paragraphs (glued into one
paragraph), list items (glued into one word), text after a paragraph's closing tag
(lost), Ghost's ``<!--kg-card-begin: html-->`` comments and embeds' ``<script>``
(read as text), a figure's caption (read as a paragraph, now the image's caption),
paragraphs written as blank lines without ``<p>`` (WordPress's classic editor), and
control characters (PostgreSQL refuses NUL in text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import html as lxml_html

# Elements that are one block each, and their kind.
BLOCK_KINDS = {
    "p": "paragraph", "li": "paragraph", "pre": "paragraph", "dd": "paragraph",
    "dt": "paragraph", "td": "paragraph", "th": "paragraph", "h1": "heading",
    "h2": "heading", "h3": "heading", "h4": "heading", "h5": "heading", "h6": "heading",
    "blockquote": "quote",
}  # fmt: skip
# Elements that only hold blocks: walked into.
CONTAINERS = {
    "div", "section", "article", "main", "aside", "header", "footer", "ul", "ol", "dl",
    "table", "thead", "tbody", "tfoot", "tr", "body", "html", "center", "details",
}  # fmt: skip
# Elements whose content is not the article's text.
DROPPED = {
    "script", "style", "template", "noscript", "iframe", "object", "embed", "svg",
    "canvas", "form", "button", "input", "select", "textarea", "nav", "head", "title",
    "meta", "link", "audio", "video", "source", "figcaption",
}  # fmt: skip
_BLANK_LINE = re.compile(r"\n\s*\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class ArchiveBlock:
    kind: str
    text: str = ""
    image: str = ""  # the image's source (URL or path) for an image block
    alt: str = ""
    caption: str = ""


def clean(text: str) -> str:
    """``text`` without control characters (tabs and line ends kept)."""
    return _CONTROL.sub("", text)


def html_blocks(markup: str) -> list[ArchiveBlock]:
    """A post's HTML as blocks, in document order."""
    if not markup.strip():
        return []
    root = lxml_html.fragment_fromstring(clean(markup), create_parent="div")
    walk = _Walk()
    walk.container(root)
    return walk.blocks


@dataclass
class _Walk:
    blocks: list[ArchiveBlock] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # inline text not yet a paragraph

    def container(self, element: lxml_html.HtmlElement) -> None:
        self.pending.append(element.text or "")
        for child in element:
            self.element(child)
            self.pending.append(child.tail or "")
        self.flush()

    def element(self, element: lxml_html.HtmlElement) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if not tag or tag in DROPPED:
            return  # a comment or processing instruction, or not text
        if tag == "img":
            self.flush()
            self.blocks.append(_image(element, ""))
        elif tag == "figure" and element.find(".//img") is not None:
            self.flush()
            caption = " ".join(_inline_text(c, own=True) for c in element.iter("figcaption"))
            self.blocks += [_image(img, " ".join(caption.split())) for img in element.iter("img")]
        elif tag in BLOCK_KINDS:
            self.flush()
            self.block(element, BLOCK_KINDS[tag])
        elif tag in CONTAINERS or tag == "figure" or _holds_blocks(element):
            self.flush()
            self.container(element)
        elif tag == "br":
            self.pending.append(" ")
        else:
            self.pending.append(_inline_text(element))

    def block(self, element: lxml_html.HtmlElement, kind: str) -> None:
        if not _holds_blocks(element):
            text = " ".join(_inline_text(element).split())
            if text:
                self.blocks.append(ArchiveBlock(kind, text))
            return
        inner = _Walk()  # a quote of paragraphs, a paragraph holding an image
        inner.container(element)
        texts = [b.text for b in inner.blocks if b.kind != "image"]
        if kind == "quote" and texts:
            self.blocks += [b for b in inner.blocks if b.kind == "image"]
            self.blocks.append(ArchiveBlock("quote", "\n\n".join(texts)))
        else:
            self.blocks += inner.blocks

    def flush(self) -> None:
        """The inline text gathered so far, as paragraphs split at blank lines."""
        text, self.pending = "".join(self.pending), []
        for chunk in _BLANK_LINE.split(text):
            if words := " ".join(chunk.split()):
                self.blocks.append(ArchiveBlock("paragraph", words))


def _holds_blocks(element: lxml_html.HtmlElement) -> bool:
    return any(
        isinstance(child.tag, str)
        and (child.tag in BLOCK_KINDS or child.tag in CONTAINERS or child.tag in {"img", "figure"})
        for child in element.iter()
        if child is not element
    )


def _inline_text(element: lxml_html.HtmlElement, *, own: bool = False) -> str:
    """The text of an element of a paragraph: a line break is a space; comments,
    scripts and the like are not text (``own``: read this element even so, a caption)."""
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if not tag or (tag in DROPPED and not own):
        return ""
    parts = [element.text or ""]
    for child in element:
        parts.append(" " if child.tag == "br" else _inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _image(element: lxml_html.HtmlElement, caption: str) -> ArchiveBlock:
    return ArchiveBlock(
        "image", image=element.get("src", ""), alt=element.get("alt", ""), caption=caption
    )
