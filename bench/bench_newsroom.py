"""The newsroom at scale, in one run:

1. Archive import: a generated Ghost export and a WordPress WXR of 5,000 posts each,
   each post with its own picture, through `kiosco import-archive`, twice: counts must
   match, the second run must change nothing; the times are printed, and the time the
   worker takes per picture for its renditions.
2. Pages at 1,000 and at 100,000 articles, on SQLite and on PostgreSQL: the front page,
   a section (first, third and a keyset page deep in it), an author, and a search that
   is selective (a word 50 articles carry at either size) and one that is broad (a word
   in three articles of four). Both editions are filled alike and served at once by
   `kiosco serve` (granian WSGI, 2 workers each); wrk loads them in alternating rounds,
   so a busy neighbour on this shared machine slows both alike. Printed: requests/s
   and p99 latency at each size, and the ratio large/small (aim: >= 0.8).

SQLite is measured without ANALYZE (as an embedded edition runs); PostgreSQL after one,
as autovacuum would have done. The cache is the in-process one: the bench is about the
queries. `BENCH_SIZES=1000,20000`, `BENCH_DATABASES=sqlite` (empty: no pages),
`BENCH_SKIP_ARCHIVE=1`, `BENCH_SECONDS` and `BENCH_ROUNDS` shrink it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_pages import BIN, CONNECTIONS, ROOT, SECONDS, bench_env, free_port, wait_until_up

POSTS = int(os.environ.get("BENCH_ARCHIVE_POSTS", "5000"))
SIZES = tuple(int(n) for n in os.environ.get("BENCH_SIZES", "1000,100000").split(","))
DATABASES = [d for d in os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",") if d]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES", "postgresql://127.0.0.1:5432/test")
PER_TOPIC = 50
AUTHORS = 20


# --- Filling an edition (runs in a child process with Django set up) -------------------

# Body words, drawn at random: real text's variety, so the index has its real size.
_ENGLISH = (
    "city council budget river market school tram night bus library museum storm rain "
    "summer festival theatre hospital doctor nurse street bridge port ship crane worker "
    "union strike price rent housing tenant mayor vote election garden park tree bird "
    "fish boat island beach sand wind energy solar panel water pipe road traffic"
)
_SPANISH = (
    "ciudad consejo presupuesto río mercado escuela tranvía noche autobús biblioteca "
    "museo tormenta lluvia verano fiesta teatro hospital médico calle puente barco grúa "
    "trabajador sindicato huelga precio alquiler vivienda alcalde voto jardín parque "
    "árbol"
)
ENGLISH, SPANISH = tuple(_ENGLISH.split()), tuple(_SPANISH.split())


def fill_edition(total: int) -> dict[str, int]:
    """``total`` published articles, one a minute back from now: four sections, 20
    authors, one in four in Spanish, every other one for subscribers, three paragraphs
    of 40 words each. English headlines carry "harbour" (the broad query); every 50
    articles share a "topicN" word (the selective one). Returns ids the pages need."""
    import random
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from kiosco.newsroom import search
    from kiosco.newsroom.credits import sync_credits
    from kiosco.newsroom.models import Access, Article, Author, Block, Credit, Section

    rng = random.Random(7)
    names = ["city", "culture", "science", "sport"]
    sections = [
        Section.objects.create(slug=s, name=s.title(), position=i) for i, s in enumerate(names)
    ]
    authors = [
        Author.objects.create(slug=f"author-{i}", name=f"Author {i}") for i in range(AUTHORS)
    ]
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, total, 5000):
            made = Article.objects.bulk_create(
                _article(n, sections, now - timedelta(minutes=n), Article, Access)
                for n in range(start, min(start + 5000, total))
            )
            Block.objects.bulk_create(
                Block(article=a, position=p, text=_paragraph(rng, a.language))
                for a in made
                for p in range(3)
            )
            Credit.objects.bulk_create(
                Credit(article=a, author=authors[n % AUTHORS]) for n, a in enumerate(made, start)
            )
            sync_credits([a.pk for a in made])
            search.reindex_articles([a.pk for a in made])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    city = list(Article.objects.filter(section=sections[0]).values_list("pk", flat=True))
    return {"deep_city_article": sorted(city)[len(city) // 2]}


def _article(n: int, sections: list, published_at: object, article: type, access: type) -> object:
    spanish = n % 4 == 3
    topic = f"topic{n // PER_TOPIC}"
    return article(
        slug=f"a-{n}",
        headline=f"Historia del puerto {n} sobre {topic}"
        if spanish
        else f"Harbour story {n} on {topic}",
        standfirst=f"El río y el mercado, historia {n}."
        if spanish
        else f"The river and the market, story {n}.",
        section=sections[n % len(sections)],
        language="es" if spanish else "en",
        access=access.SUBSCRIBERS if n % 2 else access.FREE,
        byline=f"Author {n % AUTHORS}",
        published_at=published_at,
    )


def _paragraph(rng: object, language: str) -> str:
    words = SPANISH if language == "es" else ENGLISH
    return " ".join(rng.choice(words) for _ in range(40)) + "."  # type: ignore[attr-defined]


# --- Editions, servers and load -----------------------------------------------------------


@dataclass
class Edition:
    name: str
    size: int
    env: dict[str, str]
    ids: dict[str, int]
    base: str = ""


def kiosco(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "kiosco"), *args], env=env, check=True, capture_output=True, text=True
    )


@contextmanager
def postgres_database(name: str) -> Iterator[str]:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_edition(stack: ExitStack, database: str, size: int, var_dir: Path) -> Edition:
    folder = var_dir / f"{database}-{size}"
    folder.mkdir(parents=True)
    env = bench_env(folder)
    if database == "postgresql":
        env["DATABASE_URL"] = stack.enter_context(
            postgres_database(f"kiosco_bench_newsroom_{size}")
        )
    kiosco(env, "migrate", "--noinput", "--verbosity", "0")
    started = time.perf_counter()
    code = (
        "import django, json; django.setup(); from bench.bench_newsroom import fill_edition; "
        f"print(json.dumps(fill_edition({size})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(env, DJANGO_SETTINGS_MODULE="kiosco.settings"),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    print(f"  filled {database} with {size:,} articles in {time.perf_counter() - started:.0f} s")
    return Edition(database, size, env, json.loads(out.stdout.strip().splitlines()[-1]))


@contextmanager
def serving(edition: Edition) -> Iterator[None]:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "kiosco"), "serve", "--port", str(port), "--workers", "2"],
        env=edition.env,
        stdout=subprocess.DEVNULL,
    )
    try:
        edition.base = f"http://127.0.0.1:{port}"
        wait_until_up(edition.base + "/healthz/live")
        yield
    finally:
        server.terminate()
        server.wait(timeout=20)


def load(url: str) -> tuple[float, float]:
    """wrk's requests/s and 99th percentile latency (ms) for ``url``."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit(f"{url} answered errors under load:\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    if not rps or not p99:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return float(rps.group(1)), float(p99.group(1)) * scale


def pages(edition: Edition) -> dict[str, str]:
    return {
        "front page": "/",
        "section": "/city/",
        "section, page 3": "/city/?page=3",
        "section, deep (keyset)": f"/city/?before={edition.ids['deep_city_article']}",
        "author": "/authors/author-3/",
        "search, selective (topic7)": "/search/?q=topic7",
        "search, broad (harbour)": "/search/?q=harbour",
        "search, two broad words": "/search/?q=harbour+river",
    }


def compare(small: Edition, large: Edition) -> None:
    """Alternate wrk rounds between the two editions, page by page; print medians."""
    names = list(pages(small))
    figures: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for edition in (small, large):
        for path in pages(edition).values():
            load(edition.base + path)  # warm-up: caches, connections, imports
    for _ in range(ROUNDS):
        for name in names:
            for edition in (small, large):
                figures.setdefault((name, edition.size), []).append(
                    load(edition.base + pages(edition)[name])
                )
    print(f"  {'':28} {small.size:>8,}: req/s   p99 ms   {large.size:>8,}: req/s   p99 ms   ratio")
    for name in names:
        (a_rps, a_p99), (b_rps, b_p99) = (_median(figures[(name, e.size)]) for e in (small, large))
        ratio = b_rps / a_rps
        print(f"  {name:28} {a_rps:15.0f} {a_p99:8.1f}   {b_rps:15.0f} {b_p99:8.1f}   {ratio:5.2f}")


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r for r, _ in runs), statistics.median(p for _, p in runs)


# --- Archive import -------------------------------------------------------------------------


def bench_archive(var_dir: Path) -> None:
    """Each post has its own picture (as real archives do): the import makes the image
    rows; the renditions are queued for the worker, and timed here on a sample."""
    from tests.newsroom.archive_data import ghost_export, wxr_export

    for name, make in (("Ghost JSON", ghost_export), ("WordPress WXR", wxr_export)):
        folder = var_dir / name.split()[0].lower()
        folder.mkdir(parents=True)
        env = bench_env(folder)
        kiosco(env, "migrate", "--noinput", "--verbosity", "0")
        export = folder / "export"
        export.write_bytes(make(POSTS, folder / "media", pictures=POSTS))
        timings, reports = [], []
        for _ in range(2):
            started = time.perf_counter()
            out = kiosco(
                env, "import-archive", str(export), "--media", str(folder / "media"),
                "--json", "--no-progress",
            )  # fmt: skip
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
    print(f"  renditions (queued for the worker): {renditions_per_image(env):.2f} s per image")


RENDITIONS_SAMPLE = """
import django, time; django.setup()
from kiosco.newsroom.models import Image
from kiosco.newsroom.tasks import make_renditions
ids = list(Image.objects.values_list("pk", flat=True)[:20])
started = time.perf_counter()
made = make_renditions.call(ids)
print((time.perf_counter() - started) / made)
"""


def renditions_per_image(env: dict[str, str]) -> float:
    run_env = dict(env, DJANGO_SETTINGS_MODULE="kiosco.settings")
    out = subprocess.run(
        [sys.executable, "-c", RENDITIONS_SAMPLE], env=run_env, cwd=ROOT, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk (make bench installs it as root)")
        return 1
    var_dir = ROOT / "var" / "bench-newsroom"
    shutil.rmtree(var_dir, ignore_errors=True)
    if os.environ.get("BENCH_SKIP_ARCHIVE") != "1":
        print("archive import (SQLite):")
        bench_archive(var_dir / "archive")
    small, large = SIZES
    for database in DATABASES:
        print(
            f"{database}: pages at {small:,} vs {large:,} articles (kiosco serve, 2 workers "
            f"each; wrk -c{CONNECTIONS}, {ROUNDS} alternating rounds of {SECONDS} s, medians)"
        )
        with ExitStack() as stack:
            editions = [make_edition(stack, database, size, var_dir) for size in SIZES]
            for edition in editions:
                stack.enter_context(serving(edition))
            compare(*editions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
