"""Who may read an article's body, and what may be sent to someone who may not.

Security by default: the body of a non-free article leaves the server only when
``can_read_body`` says yes. Every place that renders an article (page, JSON-LD, feeds)
asks here, and a reader who may not read gets ``teaser_blocks`` — the first paragraph
and nothing else.

Subscriber access is not decided here: ``settings.KIOSCO_ENTITLEMENT_CHECK`` names a
function ``f(reader, article) -> bool`` (the subscriptions app plugs its entitlements
in, the paywall its device lease). Until one is configured nobody is entitled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string

from kiosco.newsroom.models import Access, Article, Block, BlockKind

DEFAULT_ENTITLEMENT_CHECK = "kiosco.newsroom.access.nobody_is_entitled"

EntitlementCheck = Callable[[Any, Article], bool]


@dataclass(frozen=True)
class AccessDecision:
    """``reason`` is a short stable word templates and tests can branch on:
    free, registered, entitled (allowed); sign_in, subscribe (refused)."""

    allowed: bool
    reason: str


def nobody_is_entitled(reader: Any, article: Article) -> bool:
    """The default entitlement check: refuse. Failing closed means a missing
    subscriptions app never gives subscriber content away."""
    return False


@cache
def _load_check(dotted_path: str) -> EntitlementCheck:
    return import_string(dotted_path)  # type: ignore[no-any-return]


def entitlement_check() -> EntitlementCheck:
    return _load_check(getattr(settings, "KIOSCO_ENTITLEMENT_CHECK", DEFAULT_ENTITLEMENT_CHECK))


def can_read_body(request: HttpRequest, article: Article) -> AccessDecision:
    """May the person behind ``request`` receive ``article``'s whole body?"""
    if article.access == Access.FREE:
        return AccessDecision(True, "free")
    reader = request.user
    if not reader.is_authenticated:
        return AccessDecision(
            False, "sign_in" if article.access == Access.REGISTERED else "subscribe"
        )
    if article.access == Access.REGISTERED:
        return AccessDecision(True, "registered")
    if entitlement_check()(reader, article):
        return AccessDecision(True, "entitled")
    return AccessDecision(False, "subscribe")


def teaser_blocks(blocks: Sequence[Block]) -> list[Block]:
    """What a reader without access may see of the body: the opening paragraph only.

    Only a paragraph that opens the text (headings aside) counts: an interview that
    starts with a question has no teaser, rather than one taken from its middle."""
    for block in blocks:
        if block.kind == BlockKind.PARAGRAPH:
            return [block]
        if block.kind != BlockKind.HEADING:
            return []
    return []


def visible_blocks(article: Article, decision: AccessDecision) -> list[Block]:
    blocks = list(article.blocks.all())
    return blocks if decision.allowed else teaser_blocks(blocks)
