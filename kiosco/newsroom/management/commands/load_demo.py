"""`kiosco load-demo [--once]`: run every loader of ``settings.KIOSCO_DEMO_LOADERS``
(each idempotent, each returning lines to print, such as the demo logins) and print
the edition's URL. ``make run`` calls it with ``--once``: after the first load it
prints the remembered lines and writes nothing."""

from __future__ import annotations

import hashlib
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils.module_loading import import_string

from kiosco.newsroom import demo


class Command(BaseCommand):
    help = "Load the demo edition (sections, articles, and what other apps add)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="do nothing if the demo is already loaded"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        loaders = list(settings.KIOSCO_DEMO_LOADERS)
        lines = remembered_lines(loaders) if options["once"] else None
        if lines is None:
            lines = run_loaders(loaders)
            remember_lines(loaders, lines)
        else:
            self.stdout.write("The demo edition is already loaded.")
        self.stdout.write(
            f"Kiosco is serving {settings.KIOSCO_EDITION_NAME} at {settings.KIOSCO_PUBLIC_URL}/"
        )
        for line in lines:
            self.stdout.write(f"  {line}")


def run_loaders(loaders: list[str]) -> list[str]:
    lines: list[str] = []
    for path in loaders:
        lines.extend(import_string(path)())
    return lines


def marker_path() -> Path:
    """One marker per database, so a fresh or different database loads again."""
    db = connection.settings_dict
    identity = f"{connection.vendor}:{db.get('HOST')}:{db.get('PORT')}:{db['NAME']}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return Path(settings.VAR_DIR) / f"demo-loaded-{digest}.json"


def remembered_lines(loaders: list[str]) -> list[str] | None:
    """The lines of the last load, when the same loaders ran on this database and its
    demo articles are still there; ``None`` means load (again)."""
    try:
        marker = json.loads(marker_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if marker.get("loaders") != loaders or not demo.is_loaded():
        return None
    lines = marker.get("lines")
    return [str(line) for line in lines] if isinstance(lines, list) else None


def remember_lines(loaders: list[str], lines: list[str]) -> None:
    path = marker_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"loaders": loaders, "lines": lines}, indent=2), encoding="utf-8")
