"""Newsroom write services: turning texts into articles.

Views, commands and the demo loader call these; only they write articles and blocks
outside the admin.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from kiosco.newsroom import importer, search
from kiosco.newsroom.cache import bump_content_version
from kiosco.newsroom.models import LANGUAGES, Access, Article, Author, Block, Section

SLUG_MAX = 200
LANGUAGE_CODES = [code for code, _ in LANGUAGES]


class ImportRefused(ValueError):
    """The text parsed but cannot become an article as asked (unknown section, bad
    access level ...). The message says what to do."""


@dataclass(frozen=True)
class ImportResult:
    article: Article
    parsed: importer.ParsedArticle
    created: bool
    blocks_changed: bool
    fields_changed: tuple[str, ...] = ()
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return self.created or self.blocks_changed or bool(self.fields_changed)

    def as_report(self) -> dict[str, Any]:
        """The ``--json`` shape of ``kiosco import-article``."""
        parsed = self.parsed
        return {
            "slug": self.article.slug,
            "headline": parsed.headline,
            "standfirst": parsed.standfirst,
            "language": self.article.language,
            "blocks": parsed.counts(),
            "turns": len(parsed.turns),
            "dropped": list(parsed.dropped),
            "dry_run": self.dry_run,
            "created": self.created,
            "changed": self.changed,
            "section": self.article.section.slug,
            "access": self.article.access,
            "published_at": _iso(self.article.published_at),
        }


def import_article(
    text: str,
    *,
    section: str | None = None,
    access: str | None = None,
    language: str | None = None,
    authors: Sequence[str] | None = None,
    publish: bool | datetime | None = None,
    create_section: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Create or update the article a plain text describes; its blocks are replaced.

    The article is found again by a key derived from the headline, so importing the
    same text twice changes nothing and a corrected text updates the same article.
    ``section``/``access``/``language``/``authors`` left as ``None`` keep an existing
    article's values (a new article needs a section). ``publish``: ``None`` keeps an
    existing article's state and publishes a new one now; ``True`` or a datetime
    publishes (then or at that time) unless already published; ``False`` makes a draft.
    Raises ``importer.UnreadableText`` or :class:`ImportRefused`; nothing is written then.
    ``dry_run`` does all of it and rolls it back: the result says what an import would do.
    """
    parsed = importer.parse_article(text)
    _check_fits(parsed)
    if access is not None and access not in Access.values:
        raise ImportRefused(
            f"unknown access level {access!r}; use one of {', '.join(Access.values)}"
        )
    if language is not None and language not in LANGUAGE_CODES:
        raise ImportRefused(
            f"unknown language {language!r}; use one of {', '.join(LANGUAGE_CODES)}"
        )
    if dry_run:
        return _rolled_back(parsed, section, access, language, authors, publish, create_section)
    try:
        return _import_parsed(parsed, section, access, language, authors, publish, create_section)
    except IntegrityError:
        # Two imports of the same new text raced: the loser's insert hit the unique
        # source key (or slug). Run again; it now finds and updates the winner's row.
        return _import_parsed(parsed, section, access, language, authors, publish, create_section)


def _rolled_back(parsed: importer.ParsedArticle, *args: Any) -> ImportResult:
    # The real write path inside a savepoint that is always rolled back, so the dry run
    # can never disagree with the import it previews.
    with transaction.atomic():
        result = _import_parsed(parsed, *args)
        transaction.set_rollback(True)
    return dataclasses.replace(result, dry_run=True)


def _check_fits(parsed: importer.ParsedArticle) -> None:
    """Refuse, with the reason, what the columns cannot hold (PostgreSQL would raise)."""
    limit = Article._meta.get_field("headline").max_length or 0
    if len(parsed.headline) > limit:
        raise ImportRefused(
            f"the first line, taken as the headline, is {len(parsed.headline):,} characters "
            f"long (at most {limit}); does the text start with its headline?"
        )
    if len(parsed.byline) > (Article._meta.get_field("byline").max_length or 0):
        raise ImportRefused("the byline line is too long to be a byline")


@transaction.atomic
def _import_parsed(
    parsed: importer.ParsedArticle,
    section_name: str | None,
    access: str | None,
    language: str | None,
    authors: Sequence[str] | None,
    publish: bool | datetime | None,
    create_section: bool,
) -> ImportResult:
    key = source_key(parsed.headline)
    article = Article.objects.select_for_update().filter(source_key=key).first()
    created = article is None
    if section_name is None and article is None:
        raise ImportRefused(f"a new article needs a section; {_known_sections()}")
    section = find_section(section_name, create=create_section) if section_name else None
    if article is None:
        article = Article(source_key=key, slug=unique_slug(parsed.headline))
    fields = _apply(article, parsed, section, access, language or parsed.language, publish)
    if created:
        article.save()
    elif fields:
        article.save(update_fields=[*fields, "updated_at"])
    _set_authors(article, authors, parsed.byline, created)
    changed = replace_blocks(article, parsed.blocks)
    return ImportResult(article, parsed, created, changed, tuple(fields))


def _apply(
    article: Article,
    parsed: importer.ParsedArticle,
    section: Section | None,
    access: str | None,
    language: str,
    publish: bool | datetime | None,
) -> list[str]:
    """Set the article's fields from the parse; return the names that changed."""
    values: dict[str, Any] = {
        "headline": parsed.headline,
        "standfirst": parsed.standfirst,
        "byline": parsed.byline or article.byline,
        "language": language,
        "published_at": _published_at(article, publish),
    }
    if section is not None:
        values["section_id"] = section.pk  # the id: a new article has no section to read
    if access is not None:
        values["access"] = access
    changed = [name for name, value in values.items() if getattr(article, name) != value]
    for name in changed:
        setattr(article, name, values[name])
    return changed


def _published_at(article: Article, publish: bool | datetime | None) -> datetime | None:
    is_new = article.pk is None
    if publish is False:
        return None
    if publish is None and not is_new:
        return article.published_at
    if article.published_at is not None:
        return article.published_at  # a re-import never moves the publication date
    return publish if isinstance(publish, datetime) else timezone.now()


def replace_blocks(article: Article, blocks: Sequence[importer.ParsedBlock]) -> bool:
    """Make the article's body exactly ``blocks``; untouched when already equal, so a
    re-import keeps block ids. Returns whether anything was written."""
    wanted = [(position, b.kind, b.label, b.text) for position, b in enumerate(blocks)]
    current = list(article.blocks.values_list("position", "kind", "label", "text"))
    if current == wanted:
        return False
    article.blocks.all().delete()
    Block.objects.bulk_create(
        Block(article=article, position=position, kind=kind, label=label, text=text)
        for position, kind, label, text in wanted
    )
    bump_content_version()  # bulk_create sends no post_save: pages must see the new body
    search.reindex_article(article.pk)
    return True


def _set_authors(article: Article, names: Sequence[str] | None, byline: str, created: bool) -> None:
    if names is None and not created:
        return
    if names is None:
        names = byline_authors(byline)
    article.authors.set([ensure_author(name) for name in names if name.strip()])


def byline_authors(byline: str) -> list[str]:
    """ "Ana Ruiz and Tom Hale" -> ["Ana Ruiz", "Tom Hale"] (also "y", "&", commas)."""
    spaced = byline.replace(",", " , ").replace("&", " , ")
    parts = " ".join("," if word in {"and", "y", "e"} else word for word in spaced.split()).split(
        ","
    )
    return [part.strip() for part in parts if part.strip()]


def author_slug(name: str) -> str:
    return slugify(name)[:80] or "author"


def ensure_author(name: str) -> Author:
    slug = author_slug(name)
    display = name.strip()[: Author._meta.get_field("name").max_length]
    author, _ = Author.objects.get_or_create(slug=slug, defaults={"name": display})
    return author


def find_section(name: str, *, create: bool = False) -> Section:
    """The section whose slug or name is ``name`` (any case); created only if asked."""
    wanted = slugify(name)
    found = Section.objects.filter(slug=wanted).first()
    found = found or Section.objects.filter(name__iexact=name.strip()).first()
    if found:
        return found
    if not create or not wanted:
        raise ImportRefused(f"unknown section {name!r}; {_known_sections()}")
    max_name = Section._meta.get_field("name").max_length or 120
    if len(name.strip()) > max_name:
        raise ImportRefused(f"a section name has at most {max_name} characters")
    display = name.strip() if name.strip() != wanted else wanted.replace("-", " ").title()
    position = Section.objects.count()
    return Section.objects.create(slug=wanted[:80], name=display, position=position)


def _known_sections() -> str:
    slugs = list(Section.objects.values_list("slug", flat=True))
    if not slugs:
        return "there are no sections yet (pass --create-section to create it)"
    return f"known sections: {', '.join(slugs)} (or pass --create-section)"


def source_key(headline: str) -> str:
    """The identity of an imported text: its headline, case and spacing ignored."""
    normal = " ".join(headline.casefold().split())
    return hashlib.sha256(normal.encode()).hexdigest()[:64]


def unique_slug(headline: str) -> str:
    base = _slug_base(headline)
    slug, counter = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def unique_slugs(headlines: Sequence[str]) -> list[str]:
    """``unique_slug`` of many at once, unique among themselves too: one query when no
    slug is taken, one more per slug that is (to find the next free "-N")."""
    bases = [_slug_base(headline) for headline in headlines]
    taken = set(Article.objects.filter(slug__in=set(bases)).values_list("slug", flat=True))
    crowded = {base for base, n in Counter(bases).items() if n > 1 or base in taken}
    for base in crowded:
        taken |= set(
            Article.objects.filter(slug__startswith=f"{base}-").values_list("slug", flat=True)
        )
    slugs = []
    for base in bases:
        slug, counter = base, 2
        while slug in taken:
            slug, counter = f"{base}-{counter}", counter + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _slug_base(headline: str) -> str:
    return slugify(headline)[: SLUG_MAX - 8].strip("-") or "article"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def ensure_section(slug: str, name: str, *, description: str = "", position: int = 0) -> Section:
    """The section ``slug``, created or brought up to date (used by the demo loader)."""
    section, created = Section.objects.get_or_create(
        slug=slug, defaults={"name": name, "description": description, "position": position}
    )
    wanted = {"name": name, "description": description, "position": position}
    changed = [field for field, value in wanted.items() if getattr(section, field) != value]
    if not created and changed:
        for field in changed:
            setattr(section, field, wanted[field])
        section.save(update_fields=changed)
    return section


def published_between(language: str, start: datetime, end: datetime) -> list[Article]:
    """Published articles of one language in ``[start, end)``, oldest first: what a
    digest (the weekly newsletter) lists. Callers show headline and standfirst only."""
    articles = Article.objects.published().filter(
        language=language, published_at__gte=start, published_at__lt=end
    )
    return list(articles.select_related("section").order_by("published_at", "id"))
