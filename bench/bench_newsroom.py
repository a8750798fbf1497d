"""The newsroom at scale, in one run:

1. Archive import: a generated Ghost export and a WordPress WXR of 5,000 posts each
   (with images) through `kiosco import-archive`, twice: counts must match, the second
   run must change nothing; the times are printed.
2. Search and section pages at 1,000 and at 100,000 articles: two SQLite databases
   filled alike, each served by `kiosco serve` (granian WSGI, 2 workers) and loaded by
   wrk; printed as requests/s and the ratio large/small (aim: >= 0.8). A selective
   search (a word ~50 articles carry at either size) and a broad one (a word every
   article carries) are measured apart: the broad one ranks every match, so it slows
   with the archive by design.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_pages import BIN, ROOT, bench_env, free_port, wait_until_up, wrk

POSTS = int(os.environ.get("BENCH_ARCHIVE_POSTS", "5000"))
SIZES = (1_000, 100_000)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PER_TOPIC = 50

FILL = """
import django, sys; django.setup()
from datetime import timedelta
from django.db import connection, transaction
from django.utils import timezone
from kiosco.newsroom.models import Access, Article, Block, Section
from kiosco.newsroom import search
total, per_topic = int(sys.argv[1]), int(sys.argv[2])
sections = [Section.objects.create(slug=s, name=s.title(), position=i)
            for i, s in enumerate(["city", "culture", "science", "sport"])]
now = timezone.now()
with transaction.atomic():
    for start in range(0, total, 5000):
        batch = [Article(slug=f"a-{n}", headline=f"Harbour story {n} on topic{n // per_topic}",
                         standfirst=f"The river and the market, story {n}.",
                         section=sections[n % 4],
                         access=Access.SUBSCRIBERS if n % 2 else Access.FREE,
                         published_at=now - timedelta(minutes=n), language="en")
                 for n in range(start, min(start + 5000, total))]
        made = Article.objects.bulk_create(batch)
        Block.objects.bulk_create(Block(article=a, position=0, kind="paragraph",
            text=f"Body of {a.slug}: the harbour waited while the river rose.") for a in made)
        for a in made:
            search.index_article(a.pk, "en", a.headline, a.standfirst,
                                 f"Body of {a.slug}: the harbour waited while the river rose.")
"""


def kiosco(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "kiosco"), *args], env=env, check=True, capture_output=True, text=True
    )


def bench_archive(var_dir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.newsroom.archive_data import ghost_export, wxr_export

    for name, make in (("Ghost JSON", ghost_export), ("WordPress WXR", wxr_export)):
        folder = var_dir / name.split()[0].lower()
        folder.mkdir(parents=True)
        env = bench_env(folder)
        kiosco(env, "migrate", "--noinput", "--verbosity", "0")
        export = folder / "export"
        export.write_bytes(make(POSTS, folder / "media"))
        timings, reports = [], []
        for _ in range(2):
            started = time.perf_counter()
            out = kiosco(
                env,
                "import-archive",
                str(export),
                "--media",
                str(folder / "media"),
                "--json",
                "--no-progress",
            )
            timings.append(time.perf_counter() - started)
            reports.append(json.loads(out.stdout))
        first, again = reports
        assert first["created"] == POSTS, first["created"]
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, POSTS), again
        print(
            f"  {name:14} {POSTS} posts: first import {timings[0]:6.1f} s "
            f"({POSTS / timings[0]:5.0f} posts/s, {first['images']} images), "
            f"re-run {timings[1]:6.1f} s, changed nothing"
        )


def fill(var_dir: Path, total: int) -> dict[str, str]:
    env = bench_env(var_dir)
    kiosco(env, "migrate", "--noinput", "--verbosity", "0")
    run_env = dict(env, DJANGO_SETTINGS_MODULE="kiosco.settings")
    subprocess.run(
        [sys.executable, "-c", FILL, str(total), str(PER_TOPIC)], env=run_env, check=True
    )
    return env


def measure(env: dict[str, str], paths: dict[str, str]) -> dict[str, float]:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "kiosco"), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/healthz/live")
        results: dict[str, list[float]] = {name: [] for name in paths}
        for path in paths.values():
            wrk(base + path)  # warm-up
        for _ in range(ROUNDS):
            for name, path in paths.items():
                results[name].append(wrk(base + path))
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {name: statistics.median(values) for name, values in results.items()}


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk (make bench installs it as root)")
        return 1
    var_dir = ROOT / "var" / "bench-newsroom"
    shutil.rmtree(var_dir, ignore_errors=True)
    if os.environ.get("BENCH_SKIP_ARCHIVE") != "1":
        print("archive import (SQLite):")
        bench_archive(var_dir / "archive")
    paths = {
        "section page (/city/)": "/city/",
        "section page 3 (/city/?page=3)": "/city/?page=3",
        "search, selective (topic7)": "/search/?q=topic7",
        "search, broad (harbour)": "/search/?q=harbour",
        "front page": "/",
    }
    figures = {size: measure(fill(var_dir / f"n{size}", size), paths) for size in SIZES}
    small, large = SIZES
    print(
        f"pages at {small:,} vs {large:,} articles "
        f"(kiosco serve, 2 workers, wrk, medians of {ROUNDS}):"
    )
    for name in paths:
        a, b = figures[small][name], figures[large][name]
        print(f"  {name:32} {a:8.0f} req/s  {b:8.0f} req/s   ratio {b / a:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
