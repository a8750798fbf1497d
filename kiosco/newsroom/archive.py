"""Archive files in, plain posts out: a Ghost JSON export and a WordPress WXR file.
Parsing only, no database (the writes are ``archive_import.py``).

Hostile input is refused before anything is written: more than ``MAX_BYTES``, XML with
entity declarations or external references (``defusedxml`` refuses them: the
"billion laughs" and XXE attacks), malformed JSON or XML — each a clear
:class:`UnreadableArchive`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import defusedxml.ElementTree as SafeXML
from defusedxml import DefusedXmlException

from kiosco.newsroom.archive_html import ArchiveBlock, clean, html_blocks

MAX_BYTES = 200 * 1024 * 1024
WP = "{http://wordpress.org/export/1.2/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
EXCERPT = "{http://wordpress.org/export/1.2/excerpt/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
GHOST_ACCESS = {
    "public": "free",
    "members": "registered",
    "paid": "subscribers",
    "tiers": "subscribers",
}


class UnreadableArchive(ValueError):
    """The file is not an archive this importer reads, or it is hostile or too large."""


@dataclass
class ArchivePost:
    key: str  # "ghost:<id>" or "wxr:<post id>": how a re-run finds the article it made
    headline: str
    standfirst: str
    slug: str
    section: str
    authors: list[str]
    published_at: datetime | None
    access: str | None
    language: str | None
    blocks: list[ArchiveBlock]
    lead_image: str = ""
    lead_alt: str = ""
    lead_caption: str = ""
    skip_reason: str = ""  # set when the post is in the file but will not be imported
    extra: dict[str, str] = field(default_factory=dict)


def read_archive(data: bytes) -> tuple[str, list[ArchivePost]]:
    """("ghost" or "wordpress", the posts) of an export file's bytes."""
    if len(data) > MAX_BYTES:
        raise UnreadableArchive(f"the file is larger than {MAX_BYTES // 2**20} MB")
    start = data.lstrip()[:1]
    if start == b"{":
        return "ghost", ghost_posts(data)
    if start == b"<":
        return "wordpress", wxr_posts(data)
    raise UnreadableArchive("neither a Ghost JSON export nor a WordPress WXR (XML) file")


# --- Ghost ---------------------------------------------------------------------------


def ghost_posts(data: bytes) -> list[ArchivePost]:
    """The posts of a Ghost export. Any part of it not shaped as Ghost writes it (a post
    that is not an object, a tag without an id, a title that is a list) refuses the
    whole file with what was wrong, before anything is written."""
    try:
        document = json.loads(data)
        db = document["db"][0]["data"] if "db" in document else document["data"]
        tags = {tag["id"]: _text(tag.get("name")) for tag in db.get("tags", [])}
        users = {user["id"]: _text(user.get("name")) for user in db.get("users", [])}
        post_tags = _grouped(db.get("posts_tags", []), "tag_id")
        post_authors = _grouped(db.get("posts_authors", []), "author_id")
        return [_ghost_post(post, tags, users, post_tags, post_authors) for post in db["posts"]]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise UnreadableArchive(f"not a Ghost export ({type(exc).__name__}: {exc})") from None


def _text(value: object) -> str:
    """A text field of an export: None is empty, numbers are read as text, anything
    else is not a Ghost export."""
    if value is None:
        return ""
    if isinstance(value, str | int | float):
        return clean(str(value))
    raise TypeError(f"expected text, found {type(value).__name__}")


def _grouped(rows: list[dict], field_name: str) -> dict[str, list[str]]:
    grouped: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        grouped.setdefault(row["post_id"], []).append((row.get("sort_order", 0), row[field_name]))
    return {post: [value for _, value in sorted(values)] for post, values in grouped.items()}


def _ghost_post(
    post: dict, tags: dict, users: dict, post_tags: dict, post_authors: dict
) -> ArchivePost:
    pid = _text(post.get("id"))
    names = [tags[t] for t in post_tags.get(pid, []) if tags.get(t)]
    authors = [users[a] for a in post_authors.get(pid, []) if users.get(a)]
    if not authors and users.get(post.get("author_id")):
        authors = [users[post["author_id"]]]
    result = ArchivePost(
        key=f"ghost:{pid}",
        headline=_text(post.get("title")).strip(),
        standfirst=_text(post.get("custom_excerpt")).strip(),
        slug=_text(post.get("slug")),
        section=names[0] if names else "",
        authors=authors,
        published_at=_date(_text(post.get("published_at"))),
        access=GHOST_ACCESS.get(_text(post.get("visibility")) or "public", "subscribers"),
        language=None,
        blocks=html_blocks(_text(post.get("html"))),
        lead_image=_text(post.get("feature_image")),
        lead_alt=_text(post.get("feature_image_alt")),
        lead_caption=_text(post.get("feature_image_caption")),
    )
    if (post.get("type") or "post") != "post":
        result.skip_reason = f"a Ghost {post.get('type')}, not a post"
    elif post.get("status") != "published":
        result.skip_reason = f"status {post.get('status')!r} (only published posts are imported)"
    return result


# --- WordPress -----------------------------------------------------------------------


def wxr_posts(data: bytes) -> list[ArchivePost]:
    try:
        root = SafeXML.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise UnreadableArchive(f"the XML declares entities or a DTD, refused ({exc})") from None
    except SafeXML.ParseError as exc:
        raise UnreadableArchive(f"the XML is malformed ({exc})") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise UnreadableArchive("not a WordPress WXR file (no <rss><channel>)")
    authors = {
        a.findtext(f"{WP}author_login", ""): a.findtext(f"{WP}author_display_name", "")
        for a in channel.findall(f"{WP}author")
    }
    attachments = {
        item.findtext(f"{WP}post_id", ""): item.findtext(f"{WP}attachment_url", "")
        for item in channel.findall("item")
        if item.findtext(f"{WP}post_type") == "attachment"
    }
    return [
        _wxr_post(item, authors, attachments)
        for item in channel.findall("item")
        if item.findtext(f"{WP}post_type") != "attachment"
    ]


def _wxr_post(item: object, authors: dict, attachments: dict) -> ArchivePost:
    find = item.findtext  # type: ignore[attr-defined]
    categories = [c.text or "" for c in item.findall("category") if c.get("domain") == "category"]  # type: ignore[attr-defined]
    meta = {
        m.findtext(f"{WP}meta_key", ""): m.findtext(f"{WP}meta_value", "")
        for m in item.findall(f"{WP}postmeta")  # type: ignore[attr-defined]
    }
    login = find(DC_CREATOR, "")
    result = ArchivePost(
        key=f"wxr:{find(f'{WP}post_id', '')}",
        headline=(find("title") or "").strip(),
        standfirst=(find(EXCERPT) or "").strip(),
        slug=find(f"{WP}post_name", ""),
        section=categories[0] if categories else "",
        authors=[authors.get(login) or login] if login else [],
        published_at=_date((find(f"{WP}post_date_gmt") or "").replace(" ", "T") + "+00:00"),
        access=None,
        language=None,
        blocks=html_blocks(find(CONTENT) or ""),
        lead_image=attachments.get(meta.get("_thumbnail_id", ""), ""),
    )
    if find(f"{WP}post_type") != "post":
        result.skip_reason = f"a WordPress {find(f'{WP}post_type')}, not a post"
    elif find(f"{WP}status") != "publish":
        result.skip_reason = f"status {find(f'{WP}status')!r} (only published posts are imported)"
    return result


# --- Shared --------------------------------------------------------------------------


def _date(value: str | None) -> datetime | None:
    if not value or value.startswith("0000"):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
