"""Template helpers for newsroom pages: the body as a conversation, the section nav,
the JSON-LD script."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django import template
from django.db.models import QuerySet
from django.utils.safestring import SafeString

from kiosco.newsroom import seo
from kiosco.newsroom.models import Article, Block, BlockKind, Section

register = template.Library()


@dataclass
class Part:
    """One piece of a rendered body: a single block, or an interview turn (a question
    and the answer blocks that follow it, kept together so the page can set the
    question apart from its answer)."""

    kind: str
    block: Block | None = None
    question: Block | None = None
    answers: list[Block] = field(default_factory=list)


@register.filter
def body_parts(blocks: Iterable[Block]) -> list[Part]:
    parts: list[Part] = []
    for block in blocks:
        if block.kind == BlockKind.QUESTION:
            parts.append(Part("turn", question=block))
        elif block.kind == BlockKind.ANSWER:
            # An answer continues the open turn; one with no question before it
            # (a source that opens mid-conversation) still renders as a turn.
            if not parts or parts[-1].kind != "turn":
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
def nav_sections() -> QuerySet[Section]:
    return Section.objects.only("slug", "name")


@register.simple_tag
def article_json_ld(article: Article) -> SafeString:
    return seo.json_ld_script(seo.news_article_data(article))


@register.filter
def absolute(path: str) -> str:
    return seo.public_url(path)
