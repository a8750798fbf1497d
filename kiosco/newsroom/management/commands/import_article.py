"""`kiosco import-article PATH`: a plain-text article (wire copy or a copied web page)
or a saved web page (``.html``) into the edition. The work is
``services.import_article`` (and ``webpage.text_from_html`` for a page); this parses
options, reads the file and prints the report: what was kept and every dropped line."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kiosco.newsroom.importer import MAX_BYTES, UnreadableText, decode_text
from kiosco.newsroom.models import Access
from kiosco.newsroom.services import ImportRefused, import_article
from kiosco.newsroom.webpage import looks_like_html, text_from_html


class Command(BaseCommand):
    help = "Import a plain-text article (headline, standfirst, body) as an Article."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="a UTF-8 text file, or - for standard input")
        parser.add_argument("--section", help="section slug or name (required for a new article)")
        parser.add_argument(
            "--create-section",
            action="store_true",
            help="create the section when it does not exist",
        )
        parser.add_argument("--access", choices=Access.values, help="who may read the body")
        parser.add_argument(
            "--language", choices=["en", "es"], help="override the language detected from the text"
        )
        parser.add_argument(
            "--author",
            action="append",
            dest="authors",
            help="author name (repeat for several); default: the byline",
        )
        state = parser.add_mutually_exclusive_group()
        state.add_argument(
            "--publish",
            dest="publish",
            action="store_const",
            const=True,
            help="publish now (a published article keeps its date)",
        )
        state.add_argument(
            "--draft", dest="publish", action="store_const", const=False, help="keep it unpublished"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show what would be imported and dropped, and write nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = decode_text(read_limited(options["path"]))
            if looks_like_html(text):
                text = text_from_html(text)
            result = import_article(
                text,
                section=options["section"],
                access=options["access"],
                language=options["language"],
                authors=options["authors"],
                publish=options["publish"],
                create_section=options["create_section"],
                dry_run=options["dry_run"],
            )
        except (UnreadableText, ImportRefused) as refused:
            raise CommandError(f"{options['path']}: {refused}; nothing was imported") from None
        report = result.as_report()
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(_summary(report))


def read_limited(path: str) -> bytes:
    """The file's bytes, one byte past the limit at most (so 2 GB is never read)."""
    try:
        if path == "-":
            return sys.stdin.buffer.read(MAX_BYTES + 1)
        with Path(path).open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def _summary(report: dict[str, Any]) -> str:
    verb = "Imported" if report["created"] else "Updated" if report["changed"] else "Unchanged"
    if report["dry_run"]:
        verb = f"Dry run, nothing written: would be {verb.lower()}"
    counts = ", ".join(f"{n} {kind}" for kind, n in report["blocks"].items() if n)
    lines = [
        f"{verb} {report['slug']!r} ({report['language']}, {report['section']}, "
        f"{report['access']}): {counts or 'no body'}",
    ]
    lines += [f"  dropped: {line}" for line in report["dropped"]]
    lines.append(f"  {len(report['dropped'])} line(s) dropped")
    return "\n".join(lines)
