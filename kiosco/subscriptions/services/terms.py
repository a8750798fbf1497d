"""Versioned terms: the current version, acceptance, rendering.

The current version's id is cached (``cache``) and dropped whenever a version is
saved, so the per-request check in the middleware costs no round trip of its own: it
comes with the request's other keys (``kiosco.lib.hot``).
"""

from __future__ import annotations

from typing import Any

import markdown
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from markdown.treeprocessors import Treeprocessor

from kiosco.lib import hot
from kiosco.readers.events import record
from kiosco.subscriptions.events import SubscriptionTag
from kiosco.subscriptions.models import TermsAcceptance, TermsVersion

CACHE_KEY = "kiosco:terms:current"
_NONE = 0  # cached when no version is published yet
_SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#")


def current_terms() -> TermsVersion | None:
    return TermsVersion.objects.filter(published_at__lte=timezone.now()).first()


def current_terms_id() -> int | None:
    cached = hot.get(CACHE_KEY)
    if cached is None:
        version = current_terms()
        cached = version.pk if version else _NONE
        hot.put(CACHE_KEY, cached, 300)
    return cached or None


def hot_keys(request: HttpRequest) -> list[str]:
    """``KIOSCO_HOT_KEYS``: a signed-in page checks the current terms' id."""
    return [CACHE_KEY]


def forget_current_terms() -> None:
    cache.delete(CACHE_KEY)


def has_accepted(reader: Any, version_id: int | None) -> bool:
    if version_id is None:
        return True
    return TermsAcceptance.objects.filter(reader_id=reader.pk, version_id=version_id).exists()


def accept_terms(reader: Any, version: TermsVersion) -> TermsAcceptance:
    """Record that ``reader`` accepted ``version`` now (once per version)."""
    acceptance, created = TermsAcceptance.objects.get_or_create(reader=reader, version=version)
    if created:
        record(SubscriptionTag.TERMS_ACCEPTED, reader=reader, version=version.version)
    return acceptance


def terms_to_accept(reader: Any) -> TermsVersion | None:
    """The current version if ``reader`` has not accepted it yet (else None)."""
    version = current_terms()
    if version is None or has_accepted(reader, version.pk):
        return None
    return version


def accept_terms_on_taking_a_seat(reader: Any, accepted_terms_id: int | None) -> bool:
    """Terms belong to the moment a reader takes a seat (subscribing, accepting an
    invitation, joining by domain): asked there, once. True when the reader has now
    accepted the current version (or there is none); False when they must tick it."""
    version = terms_to_accept(reader)
    if version is None:
        return True
    if accepted_terms_id != version.pk:
        return False
    accept_terms(reader, version)
    return True


class _DropUnsafeLinks(Treeprocessor):
    def run(self, root: Any) -> None:
        for element in root.iter("a"):
            if not element.get("href", "").lower().startswith(_SAFE_SCHEMES):
                element.set("href", "#")


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML with raw HTML escaped (not passed through) and only ordinary
    link schemes kept, so an admin's paste cannot inject script into the page."""
    md = markdown.Markdown(extensions=["extra"])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(_DropUnsafeLinks(md), "drop_unsafe_links", 0)
    return mark_safe(md.convert(text))
