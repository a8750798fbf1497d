"""Who may read an article's body, and what may be sent to someone who may not.

Security by default: the body of a non-free article leaves the server only when
``can_read_body`` says yes. Every place that renders an article (page, JSON-LD, feeds)
asks here, and a reader who may not read gets ``teaser_blocks`` — the first paragraph
and nothing else.

Subscriber access is not decided here: ``settings.KIOSCO_ACCESS_DECISION`` names a
function ``f(request, article) -> AccessDecision`` (the paywall plugs in the reader's
entitlement and this device's reading lease). Until one is configured nobody is
entitled: a missing paywall never gives subscriber content away.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from kiosco.newsroom.models import Access, Article, Block, BlockKind

DEFAULT_ACCESS_DECISION = "kiosco.newsroom.access.nobody_is_entitled"
PAYWALL_PANEL = "newsroom/_paywall.html"


def _no_change(response: HttpResponse) -> None:
    return None


@dataclass(frozen=True)
class AccessDecision:
    """``reason`` is a short stable word templates and tests can branch on: free,
    registered, entitled (allowed); sign_in, subscribe, or what the access hook names
    (refused). ``panel`` names the template shown instead of the body (or after it,
    when allowed) with its ``context``; ``teaser`` whether the opening paragraph may
    show (not on a device another device is reading on); ``finish`` lets
    the hook add to the response (the paywall's lease cookie) without the newsroom
    knowing what it adds."""

    allowed: bool
    reason: str
    teaser: bool = field(default=True, compare=False)
    panel: str = field(default="", compare=False)
    context: Mapping[str, Any] = field(default_factory=dict, compare=False)
    finish: Callable[[HttpResponse], None] = field(default=_no_change, compare=False)
    # The hook's panel is the same for every reader it gives this decision on this page
    # (the reading script, say; not a dialog naming a device): it may be rendered once.
    panel_shared: bool = field(default=False, compare=False)

    @property
    def panel_is_shared(self) -> bool:
        return self.panel_shared or not self.panel  # the offer is everyone's

    @property
    def panel_template(self) -> str:
        """The panel after the body: the hook's, else the paywall offer when refused
        (an allowed decision may name one too: the paywall's reading script)."""
        return self.panel or ("" if self.allowed else PAYWALL_PANEL)


AccessHook = Callable[[HttpRequest, Article], AccessDecision]


def nobody_is_entitled(request: HttpRequest, article: Article) -> AccessDecision:
    """The default access hook: refuse, failing closed."""
    return AccessDecision(False, "subscribe")


@cache
def _load_hook(dotted_path: str) -> AccessHook:
    return import_string(dotted_path)  # type: ignore[no-any-return]


def access_hook() -> AccessHook:
    return _load_hook(getattr(settings, "KIOSCO_ACCESS_DECISION", DEFAULT_ACCESS_DECISION))


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
    return access_hook()(request, article)


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
    if not (decision.allowed or decision.teaser):
        return []
    blocks = list(article.blocks.all())
    return blocks if decision.allowed else teaser_blocks(blocks)
