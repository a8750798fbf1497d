"""`kiosco import-archive FILE`: a Ghost JSON export or a WordPress WXR file into the
edition (``archive.read_archive`` then ``archive_import.import_archive``), with a
progress bar and a report of what was skipped and why."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kiosco.newsroom.archive import MAX_BYTES, UnreadableArchive, read_archive
from kiosco.newsroom.archive_import import import_archive
from kiosco.newsroom.models import Access


class Command(BaseCommand):
    help = "Import a Ghost JSON export or a WordPress WXR file (idempotent)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="the export file (.json from Ghost, .xml from WordPress)")
        parser.add_argument("--media", type=Path, help="folder holding the export's images")
        parser.add_argument("--section", default="", help="section for posts without tag/category")
        parser.add_argument(
            "--access", choices=Access.values, default=Access.SUBSCRIBERS,
            help="access level where the source has none (WordPress)",
        )  # fmt: skip
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
            kind, posts = read_archive(data)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read it ({exc.strerror or exc})") from None
        except UnreadableArchive as exc:
            raise CommandError(f"{path}: {exc}; nothing was imported") from None
        bar = tqdm(total=len(posts), unit="post", disable=options["no_progress"], file=self.stderr)

        def advance(post: object) -> None:
            bar.update(1)

        report = import_archive(
            posts,
            media_dir=options["media"],
            default_section=options["section"],
            default_access=options["access"],
            progress=advance,
        )
        bar.close()
        summary = report.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps({"kind": kind, **summary}, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{kind}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.images} images, {len(report.skipped)} skipped"
        )
        for key, headline, reason in report.skipped:
            self.stdout.write(f"  skipped {key} ({headline or 'no title'}): {reason}")
