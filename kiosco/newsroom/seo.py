"""What search engines and link previews read: absolute URLs and schema.org data.

Absolute URLs come from ``KIOSCO_PUBLIC_URL``, never from the request's Host header,
so a canonical link, a feed or the sitemap always names the edition's real address.
The JSON-LD carries metadata only, never body text: a subscriber-only article's body
cannot leak through it whoever asks.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from kiosco.newsroom.models import Access, Article

# The characters that could close the <script> element or open a comment inside it,
# escaped the way Django's json_script does.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

# The element that wraps the body on the article page; Google's paywall markup
# points at it so that a body hidden from some readers is not taken for cloaking.
BODY_SELECTOR = ".article-body"


def public_url(path: str) -> str:
    return f"{settings.KIOSCO_PUBLIC_URL}{path}"


def authors_of(article: Article) -> list[str]:
    names = [author.name for author in article.authors.all()]
    return names or ([article.byline] if article.byline else [])


# Social cards want a large JPEG: the widest rendition up to this width.
OG_IMAGE_WIDTH = 1200


def og_rendition(image: Any) -> dict[str, Any] | None:
    """The JPEG rendition for Open Graph and JSON-LD: ``{"url", "width"}``."""
    if image is None:
        return None
    jpegs = (image.renditions or {}).get("jpeg") or []
    if not jpegs:
        return {"url": image.file.url, "width": image.width}
    fitting = [r for r in jpegs if r[0] <= OG_IMAGE_WIDTH] or jpegs[:1]
    width, path = fitting[-1]
    return {"url": default_storage.url(path), "width": width}


def news_article_data(article: Article) -> dict[str, Any]:
    """schema.org NewsArticle for ``article`` (see BODY_SELECTOR for the paywall part)."""
    url = public_url(article.get_absolute_url())
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": article.standfirst,
        "datePublished": article.published_at,
        "dateModified": article.updated_at,
        "inLanguage": article.language,
        "articleSection": article.section.name,
        "mainEntityOfPage": url,
        "url": url,
        "author": [{"@type": "Person", "name": name} for name in authors_of(article)],
        "publisher": {"@type": "Organization", "name": settings.KIOSCO_EDITION_NAME},
        "isAccessibleForFree": article.access == Access.FREE,
    }
    lead = article.lead_image if article.lead_image_id else None
    if lead is not None and (rendition := og_rendition(lead)):
        data["image"] = {
            "@type": "ImageObject",
            "url": public_url(rendition["url"]),
            "width": rendition["width"],
            "caption": lead.caption or lead.alt,
        }
    if article.access != Access.FREE:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": BODY_SELECTOR,
        }
    return data


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """``data`` as a ``<script type="application/ld+json">`` that no string inside it
    can break out of (a headline containing ``</script>`` stays text)."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload.translate(_SCRIPT_ESCAPES)),  # escaped just above
    )
