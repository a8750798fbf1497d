"""The archive import's write rules (the services of ``kiosco import-archive``): the
posts ``archive.py`` read become articles, sections, authors and images.

One transaction for the whole file: a failure half-way leaves nothing written. Each
post is found again by its source id (``Article.source_key`` = a hash of
"ghost:<id>" or "wxr:<id>"), each image by its source path, so a re-run changes
nothing. What is not imported is reported with its reason, never silently dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from django.db import transaction
from django.utils.text import slugify

from kiosco.newsroom import images, search
from kiosco.newsroom.archive import ArchivePost
from kiosco.newsroom.cache import bump_content_version
from kiosco.newsroom.language import detect_language
from kiosco.newsroom.models import Access, Article, Block, Image, Section
from kiosco.newsroom.services import ensure_author, unique_slug


@dataclass
class ArchiveReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    images: int = 0
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # key, headline, why

    def as_dict(self) -> dict[str, object]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "images": self.images,
            "skipped": [{"source": k, "headline": h, "reason": r} for k, h, r in self.skipped],
        }


def archive_key(post: ArchivePost) -> str:
    return hashlib.sha256(post.key.encode()).hexdigest()


@transaction.atomic
def import_archive(
    posts: Iterable[ArchivePost],
    *,
    media_dir: Path | None = None,
    default_section: str = "",
    default_access: str = Access.SUBSCRIBERS,
    progress: Callable[[ArchivePost], None] = lambda post: None,
) -> ArchiveReport:
    report = ArchiveReport()
    for post in posts:
        _import_post(post, media_dir, default_section, default_access, report)
        progress(post)
    bump_content_version()
    return report


def _import_post(
    post: ArchivePost,
    media_dir: Path | None,
    default_section: str,
    default_access: str,
    report: ArchiveReport,
) -> None:
    reason = post.skip_reason or ("" if post.headline else "no title")
    section_name = post.section or default_section
    if not reason and not section_name:
        reason = "no tag or category, and no --section given"
    if reason:
        report.skipped.append((post.key, post.headline, reason))
        return
    article = Article.objects.filter(source_key=archive_key(post)).first()
    created = article is None
    if article is None:
        article = Article(
            source_key=archive_key(post), slug=unique_slug(post.slug or post.headline)
        )
    lead = _image(
        post.lead_image, post.lead_alt or post.headline, post.lead_caption, media_dir, post, report
    )
    changed = _apply(article, post, _section(section_name), lead, default_access)
    if created:
        article.save()
    elif changed:
        article.save(update_fields=[*changed, "updated_at"])
    if created:
        article.authors.set([ensure_author(name) for name in post.authors if name.strip()])
    blocks_changed = _replace_blocks(article, post, media_dir, report)
    if created:
        report.created += 1
    elif changed or blocks_changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _apply(
    article: Article, post: ArchivePost, section: Section, lead: Image | None, default_access: str
) -> list[str]:
    text = " ".join([post.headline, post.standfirst, *(b.text for b in post.blocks)])
    values = {
        "headline": post.headline[:300],
        "standfirst": post.standfirst,
        "byline": ", ".join(post.authors)[:300],
        "section_id": section.pk,
        "language": post.language or detect_language(text),
        "access": post.access or default_access,
        "published_at": post.published_at,
        "lead_image_id": lead.pk if lead else None,
    }
    changed = [name for name, value in values.items() if getattr(article, name) != value]
    for name in changed:
        setattr(article, name, values[name])
    return changed


def _section(name: str) -> Section:
    slug = slugify(name)[:80] or "archive"
    section = Section.objects.filter(slug=slug).first()
    if section is None:
        section = Section.objects.create(
            slug=slug, name=name[:120], position=Section.objects.count()
        )
    return section


def _replace_blocks(
    article: Article, post: ArchivePost, media_dir: Path | None, report: ArchiveReport
) -> bool:
    wanted: list[tuple[int, str, str, int | None]] = []
    for block in post.blocks:
        image = (
            _image(block.image, block.alt, "", media_dir, post, report)
            if block.kind == "image"
            else None
        )
        if block.kind == "image" and image is None:
            continue  # reported by _image
        wanted.append((len(wanted), block.kind, block.text, image.pk if image else None))
    current = list(article.blocks.values_list("position", "kind", "text", "image_id"))
    if current == wanted:
        return False
    article.blocks.all().delete()
    Block.objects.bulk_create(
        Block(article=article, position=p, kind=kind, text=text, image_id=image_id)
        for p, kind, text, image_id in wanted
    )
    search.reindex_article(article.pk)
    return True


def _image(
    source: str,
    alt: str,
    caption: str,
    media_dir: Path | None,
    post: ArchivePost,
    report: ArchiveReport,
) -> Image | None:
    """The image a post names, made once per source; None (and reported) when its file
    is not in the media folder — an archive import never fetches from the network."""
    if not source:
        return None
    found = Image.objects.filter(source=source).first()
    if found is not None:
        return found
    path = _local_path(source, media_dir)
    if path is None:
        report.skipped.append((post.key, post.headline, f"image {source}: not found in --media"))
        return None
    try:
        image = images.create_image(
            path.read_bytes(), path.name, alt=alt or post.headline, caption=caption, source=source
        )
    except images.UnusableImage as exc:
        report.skipped.append((post.key, post.headline, f"image {source}: {exc}"))
        return None
    report.images += 1
    return image


def _local_path(source: str, media_dir: Path | None) -> Path | None:
    """The file for "__GHOST_URL__/content/images/2024/05/a.jpg" or
    "https://site/wp-content/uploads/2024/05/a.jpg": the path after the images
    folder, looked up under ``media_dir`` (never outside it)."""
    if media_dir is None:
        return None
    path = urlparse(source).path
    for marker in ("/content/images/", "/wp-content/uploads/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    root = media_dir.resolve()
    candidate = (root / path.lstrip("/")).resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate
