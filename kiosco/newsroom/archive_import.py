"""The archive import's write rules (the services of ``kiosco import-archive``): the
posts ``archive.py`` read become articles, sections, authors and images.

One transaction for the whole file: a failure half-way leaves nothing written (and the
image files it wrote are removed). Each post is found again by its source id
(``Article.source_key`` = a hash of "ghost:<id>" or "wxr:<id>"), each image by its
source path, so a re-run changes nothing. What is not imported is reported with its
reason, never silently dropped.

Posts are written ``BATCH`` at a time, in bulk: one query finds a batch's articles,
one its images, one its blocks; new articles, credits and blocks are inserted in bulk
and indexed for search in set-based SQL. (Post by post, through ``save()`` and its
signals, 5,000 Ghost posts took 158 s: some twenty queries each.) Bulk writes send no
signals, so this module does what the signals would: credits get their article's
time, the search index and the content version are brought up to date. A new image's
renditions are queued for the worker (``tasks.make_renditions``): a page shows the
original until they exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from urllib.parse import urlparse

from django.db import transaction
from django.utils.text import slugify

from kiosco.newsroom import images, search
from kiosco.newsroom.archive import ArchivePost
from kiosco.newsroom.cache import bump_content_version
from kiosco.newsroom.language import detect_language
from kiosco.newsroom.models import Access, Article, Author, Block, Credit, Image, Section
from kiosco.newsroom.services import author_slug, unique_slugs

BATCH = 500
# New images per renditions task: a task is a few seconds of encoding, not hours.
RENDITIONS_PER_TASK = 20
# What a re-run compares (and may change) on an article it made before.
COMPARED = (
    "headline", "standfirst", "byline", "section_id", "language", "access",
    "published_at", "lead_image_id",
)  # fmt: skip


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


@dataclass
class _Run:
    """One import's settings and what it has found or made so far, across batches."""

    media_dir: Path | None
    default_section: str
    default_access: str
    report: ArchiveReport = field(default_factory=ArchiveReport)
    sections: dict[str, Section] = field(default_factory=dict)  # by slug
    authors: dict[str, Author] = field(default_factory=dict)  # by slug
    images: dict[str, Image | str] = field(default_factory=dict)  # by source: it, or why not
    made: list[Image] = field(default_factory=list)  # images this run inserted
    stored: list[Image] = field(default_factory=list)  # their files, written at once


def archive_key(post: ArchivePost) -> str:
    return hashlib.sha256(post.key.encode()).hexdigest()


def import_archive(
    posts: Iterable[ArchivePost],
    *,
    media_dir: Path | None = None,
    default_section: str = "",
    default_access: str = Access.SUBSCRIBERS,
    progress: Callable[[ArchivePost], None] = lambda post: None,
) -> ArchiveReport:
    run = _Run(media_dir, default_section, default_access)
    try:
        with transaction.atomic():
            for batch in batched(posts, BATCH):
                _import_batch(batch, run)
                for post in batch:
                    progress(post)
            _queue_renditions(run.made)
            bump_content_version()
    except BaseException:
        # The rows rolled back; the files written for new images would stay behind.
        for image in run.stored:
            images.delete_files(image)
        raise
    return run.report


def batched(items: Iterable[ArchivePost], size: int) -> Iterable[list[ArchivePost]]:
    """``itertools.batched`` of Python 3.12, which this project does not require yet."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _import_batch(batch: Sequence[ArchivePost], run: _Run) -> None:
    posts = [post for post in batch if _importable(post, run)]
    _resolve_sections(posts, run)
    _resolve_authors(posts, run)
    _resolve_images(posts, run)
    keys = [archive_key(post) for post in posts]
    found = Article.objects.filter(source_key__in=keys).only("source_key", "slug", *COMPARED)
    existing = {article.source_key: article for article in found}
    new_posts = [post for post, key in zip(posts, keys, strict=True) if key not in existing]
    slugs = iter(unique_slugs([post.slug or post.headline for post in new_posts]))
    created: list[tuple[Article, ArchivePost]] = []
    changed: dict[int, tuple[Article, list[str]]] = {}
    for post, key in zip(posts, keys, strict=True):
        article = existing.get(key) or Article(source_key=key, slug=next(slugs))
        fields = _apply(article, post, run)
        if article.pk is None:
            created.append((article, post))
        elif fields:
            changed[article.pk] = (article, fields)
    _write_articles(created, changed, run)
    rewritten = _write_blocks(posts, keys, existing, [a for a, _ in created], run)
    run.report.created += len(created)
    touched = set(changed) | rewritten
    run.report.updated += len(touched)
    run.report.unchanged += len(posts) - len(created) - len(touched)
    search.reindex_articles([a.pk for a, _ in created] + sorted(touched))


def _importable(post: ArchivePost, run: _Run) -> bool:
    reason = post.skip_reason or ("" if post.headline else "no title")
    if not reason and not (post.section or run.default_section):
        reason = "no tag or category, and no --section given"
    if reason:
        run.report.skipped.append((post.key, post.headline, reason))
    return not reason


def _apply(article: Article, post: ArchivePost, run: _Run) -> list[str]:
    """Set the article's fields from the post; return the names that changed."""
    text = " ".join([post.headline, post.standfirst, *(b.text for b in post.blocks)])
    lead = _image_for(post.lead_image, post, run)
    values = {
        "headline": post.headline[:300],
        "standfirst": post.standfirst,
        "byline": ", ".join(post.authors)[:300],
        "section_id": run.sections[_section_slug(post, run)].pk,
        "language": post.language or detect_language(text),
        "access": post.access or run.default_access,
        "published_at": post.published_at,
        "lead_image_id": lead.pk if lead else None,
    }
    changed = [name for name, value in values.items() if getattr(article, name) != value]
    for name in changed:
        setattr(article, name, values[name])
    return changed


def _write_articles(
    created: list[tuple[Article, ArchivePost]],
    changed: dict[int, tuple[Article, list[str]]],
    run: _Run,
) -> None:
    Article.objects.bulk_create([article for article, _ in created])
    credits = []
    for article, post in created:  # authors are set on creation only, as before
        slugs = dict.fromkeys(author_slug(name) for name in post.authors if name.strip())
        credits += [
            Credit(article=article, author=run.authors[slug], published_at=article.published_at)
            for slug in slugs
        ]
    Credit.objects.bulk_create(credits)
    for article, fields in changed.values():  # rare (a post edited at its source): its
        article.save(update_fields=[*fields, "updated_at"])  # signals sync credits, cache


def _write_blocks(
    posts: Sequence[ArchivePost],
    keys: Sequence[str],
    existing: dict[str, Article],
    created: list[Article],
    run: _Run,
) -> set[int]:
    """Make each article's body its post's blocks; untouched when already equal (a
    re-run keeps block ids). Returns the ids of existing articles rewritten."""
    by_key = {a.source_key: a for a in [*existing.values(), *created]}
    current: dict[int, list[tuple[int, str, str, int | None]]] = {}
    rows = Block.objects.filter(article__in=list(existing.values())).order_by(
        "article_id", "position"
    )
    for article_id, *row in rows.values_list("article_id", "position", "kind", "text", "image_id"):
        current.setdefault(article_id, []).append(tuple(row))  # type: ignore[arg-type]
    rewritten, blocks = set(), []
    for post, key in zip(posts, keys, strict=True):
        article = by_key[key]
        wanted = _blocks(post, run)
        if current.get(article.pk, []) == wanted:
            continue
        if article.source_key in existing:
            rewritten.add(article.pk)
        blocks += [
            Block(article=article, position=p, kind=kind, text=text, image_id=image_id)
            for p, kind, text, image_id in wanted
        ]
    Block.objects.filter(article_id__in=rewritten).delete()
    Block.objects.bulk_create(blocks, batch_size=1000)
    return rewritten


def _blocks(post: ArchivePost, run: _Run) -> list[tuple[int, str, str, int | None]]:
    wanted: list[tuple[int, str, str, int | None]] = []
    for block in post.blocks:
        image = _image_for(block.image, post, run) if block.kind == "image" else None
        if block.kind == "image" and image is None:
            continue  # reported by _image_for
        wanted.append((len(wanted), block.kind, block.text, image.pk if image else None))
    return wanted


# --- Sections, authors and images, found or made once per run --------------------------


def _section_slug(post: ArchivePost, run: _Run) -> str:
    return slugify(post.section or run.default_section)[:80] or "archive"


def _resolve_sections(posts: Sequence[ArchivePost], run: _Run) -> None:
    names = {_section_slug(p, run): p.section or run.default_section for p in posts}
    missing = [slug for slug in names if slug not in run.sections]
    if not missing:
        return
    for section in Section.objects.filter(slug__in=missing):
        run.sections[section.slug] = section
    position = Section.objects.count()
    for slug in missing:
        if slug not in run.sections:
            run.sections[slug] = Section.objects.create(
                slug=slug, name=names[slug][:120], position=position
            )
            position += 1


def _resolve_authors(posts: Sequence[ArchivePost], run: _Run) -> None:
    names = {author_slug(n): n.strip() for p in posts for n in p.authors if n.strip()}
    missing = [slug for slug in names if slug not in run.authors]
    if not missing:
        return
    for author in Author.objects.filter(slug__in=missing):
        run.authors[author.slug] = author
    new = [Author(slug=s, name=names[s][:160]) for s in missing if s not in run.authors]
    for author in Author.objects.bulk_create(new):
        run.authors[author.slug] = author


def _resolve_images(posts: Sequence[ArchivePost], run: _Run) -> None:
    """Find the batch's images by source in one query; store the missing ones' files and
    insert their rows at once (the renditions are queued, see ``_queue_renditions``)."""
    wanted: dict[str, tuple[str, str, ArchivePost]] = {}
    for post in posts:
        if post.lead_image:
            wanted.setdefault(post.lead_image, (post.lead_alt, post.lead_caption, post))
        for block in post.blocks:
            if block.kind == "image" and block.image:
                wanted.setdefault(block.image, (block.alt, block.caption, post))
    missing = [source for source in wanted if source not in run.images]
    if not missing:
        return
    for image in Image.objects.filter(source__in=missing):
        run.images[image.source] = image
    new = []
    for source in missing:
        if source not in run.images:
            alt, caption, post = wanted[source]
            run.images[source] = found = _stored_image(source, alt or post.headline, caption, run)
            if isinstance(found, Image):
                new.append(found)
    run.made += Image.objects.bulk_create(new)
    run.report.images += len(new)


def _stored_image(source: str, alt: str, caption: str, run: _Run) -> Image | str:
    """A new image's row (not saved) with its file stored, or why there is none: an
    archive import never fetches from the network."""
    path = _local_path(source, run.media_dir)
    if path is None:
        return "not found in --media"
    try:
        image = images.stored_image(path.read_bytes(), path.name, alt=alt, caption=caption)
    except images.UnusableImage as exc:
        return str(exc)
    image.source = source[:500]
    run.stored.append(image)  # its file, to remove if the import fails
    return image


def _queue_renditions(made: list[Image]) -> None:
    """Renditions are the one cost per picture (seconds each in AVIF): the worker makes
    them. The tasks are rows of this transaction, so a failed import queues nothing."""
    from kiosco.newsroom.tasks import make_renditions

    ids = [image.pk for image in made]
    for start in range(0, len(ids), RENDITIONS_PER_TASK):
        make_renditions.enqueue(ids[start : start + RENDITIONS_PER_TASK])


def _image_for(source: str, post: ArchivePost, run: _Run) -> Image | None:
    """The image of ``source`` (resolved for the batch); a missing one is reported for
    every post that names it."""
    if not source:
        return None
    found = run.images[source]
    if isinstance(found, str):
        run.report.skipped.append((post.key, post.headline, f"image {source}: {found}"))
        return None
    return found


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
