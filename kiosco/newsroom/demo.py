"""The demo edition: articles written for Kiosco, loaded through the importer.

The texts live in ``kiosco/newsroom/demo/`` (a folder of plain-text files, not a
package: this module is ``kiosco.newsroom.demo``) with ``manifest.toml`` saying each
one's section, access level, authors and age. Every person, place and figure in them
is invented. Loading is idempotent: a second run finds every article by its source
key and changes nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from kiosco.newsroom.models import Article
from kiosco.newsroom.services import ensure_section, import_article, source_key

DEMO_DIR = Path(__file__).resolve().parent / "demo"


@dataclass(frozen=True)
class DemoArticle:
    file: str
    section: str
    access: str
    authors: tuple[str, ...]
    hours_ago: float

    @property
    def text(self) -> str:
        return (DEMO_DIR / self.file).read_text(encoding="utf-8")

    @property
    def headline(self) -> str:
        return next(line.strip() for line in self.text.splitlines() if line.strip())


def read_manifest() -> dict[str, Any]:
    with (DEMO_DIR / "manifest.toml").open("rb") as handle:
        return tomllib.load(handle)


def demo_articles() -> list[DemoArticle]:
    return [
        DemoArticle(
            file=entry["file"],
            section=entry["section"],
            access=entry["access"],
            authors=tuple(entry.get("authors", [])),
            hours_ago=float(entry["published_hours_ago"]),
        )
        for entry in read_manifest()["articles"]
    ]


def load_edition() -> list[str]:
    """Create the demo sections, authors and articles (or leave them as they are);
    return the lines ``kiosco load-demo`` prints."""
    manifest = read_manifest()
    now = timezone.now()
    with transaction.atomic():
        for position, section in enumerate(manifest["sections"]):
            ensure_section(
                section["slug"],
                section["name"],
                description=section.get("description", ""),
                position=position,
            )
        results = [
            import_article(
                entry.text,
                section=entry.section,
                access=entry.access,
                authors=entry.authors,
                publish=now - timedelta(hours=entry.hours_ago),
            )
            for entry in demo_articles()
        ]
    names = ", ".join(section["name"] for section in manifest["sections"])
    # The same line on every run: `load-demo --once` replays it without loading.
    return [f"Demo edition: {len(results)} articles in {names}, in English and Spanish."]


def is_loaded() -> bool:
    """Whether every demo article is in the database."""
    keys = {source_key(entry.headline) for entry in demo_articles()}
    return Article.objects.filter(source_key__in=keys).count() == len(keys)
