"""Template helpers for newsroom pages: the body as a conversation, the section nav,
the JSON-LD script."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django import template
from django.core.files.storage import default_storage
from django.utils.safestring import SafeString

from kiosco.newsroom import seo
from kiosco.newsroom.cache import sections_for_nav
from kiosco.newsroom.models import Article, Block, BlockKind, Image, Section

register = template.Library()


@dataclass
class Part:
    """One piece of a rendered body: a single block, or an interview turn (the
    question blocks and the answer blocks that follow them, kept together so the page
    can set the question apart from its answer)."""

    kind: str
    block: Block | None = None
    questions: list[Block] = field(default_factory=list)
    answers: list[Block] = field(default_factory=list)


def _continues_question(parts: list[Part], block: Block) -> bool:
    # The importer stores a question's further paragraphs as unlabelled questions.
    return bool(
        not block.label
        and parts
        and parts[-1].kind == "turn"
        and parts[-1].questions
        and not parts[-1].answers
    )


def _continues_turn(parts: list[Part]) -> bool:
    return bool(parts) and parts[-1].kind == "turn"


@register.filter
def body_parts(blocks: Iterable[Block]) -> list[Part]:
    parts: list[Part] = []
    for block in blocks:
        if block.kind == BlockKind.QUESTION:
            if not _continues_question(parts, block):
                parts.append(Part("turn"))
            parts[-1].questions.append(block)
        elif block.kind == BlockKind.ANSWER:
            # An answer continues the open turn; one with no question before it
            # (a source that opens mid-conversation) still renders as a turn.
            if not _continues_turn(parts):
                parts.append(Part("turn"))
            parts[-1].answers.append(block)
        else:
            parts.append(Part(block.kind, block=block))
    return parts


@register.filter
def paragraphs(text: str) -> list[str]:
    """A block's text split on blank lines (an answer may run to several paragraphs)."""
    chunks = [chunk.strip() for chunk in text.replace("\r\n", "\n").split("\n\n")]
    return [chunk for chunk in chunks if chunk]


@register.simple_tag
def nav_sections() -> list[Section]:
    return sections_for_nav()


@register.simple_tag
def article_json_ld(article: Article) -> SafeString:
    return seo.json_ld_script(seo.news_article_data(article))


@register.filter
def absolute(path: str) -> str:
    return seo.public_url(path)


@register.inclusion_tag("newsroom/_picture.html")
def picture(image: Image | None, sizes: str = "100vw", eager: bool = False) -> dict[str, object]:
    """A ``<picture>`` of an image's renditions: one ``<source>`` per modern format, the
    JPEG as the ``<img>``; lazy unless ``eager`` (the lead image, above the fold)."""
    if image is None:
        return {"image": None}
    renditions = image.renditions or {}
    srcsets = {
        name: ", ".join(f"{default_storage.url(path)} {width}w" for width, path in sizes_)
        for name, sizes_ in renditions.items()
    }
    fallback = renditions.get("jpeg") or []
    src = default_storage.url(fallback[-1][1]) if fallback else image.file.url
    sources = [(f"image/{name}", srcsets[name]) for name in ("avif", "webp") if name in srcsets]
    return {
        "image": image,
        "sources": sources,
        "srcset": srcsets.get("jpeg", ""),
        "src": src,
        "sizes": sizes,
        "eager": eager,
    }


@register.filter
def og_rendition(image: Image | None) -> dict[str, object] | None:
    return seo.og_rendition(image)
