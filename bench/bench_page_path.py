"""The page path at framework speed, on the production shape, in one interleaved run.

Servers, all on loopback: `kiosco serve --workers 2` (granian WSGI) on PostgreSQL and
Redis at two archive sizes (1,000 and 100,000 articles, a database each); the floor,
a minimal Django view on granian with the same workers (bench/minimal_django.py);
nginx in front of the 1,000-article server, configured as README shows; and, when
`../shared/peers` is beside the checkout, Ghost 5 and Wagtail 8 serving the same
16-turn interview (its setup.sh builds them under /tmp/peerbench the first time,
about 8 minutes).

Pages: a subscriber's article (alice signed in, holding her reading lease: the real
path with the lease check), the same interview free for an anonymous reader, the
front page and a section page (anonymous), Kiosco's /healthz/live on the same server.

Load: wrk -t2 -cBENCH_CONNECTIONS (32) for BENCH_SECONDS (10) per page, every page
once per round, BENCH_ROUNDS (5) rounds: medians, p99 beside each. Printed as ratios
against the floors measured in the same rounds, against the peers, and 100k/1k. Each
page's SQL queries and Redis round trips per request are counted in-process, and its
instructions per request at each size (callgrind, as bench_instructions.py counts
them: a 100k/1k ratio that the machine's load cannot move).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_instructions import count
from bench_pages import BIN, ROOT, free_port, wait_until_up
from bench_paywall import Device, shows_the_body

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
SIZES = tuple(int(n) for n in os.environ.get("BENCH_ARCHIVES", "1000,100000").split(","))
ADMIN_URL = os.environ.get("BENCH_POSTGRES", "postgresql://127.0.0.1:5432/test")
PEERS = Path(os.environ.get("BENCH_PEERS", str(ROOT.parent / "shared" / "peers")))
PEER_ROOT = Path("/tmp/peerbench")
INTERVIEW = "ferry-timetable-interview"


def database_url(size: int) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/kiosco_bench_path_{size}"


def kiosco_env(size: int, var_dir: Path) -> dict[str, str]:
    return dict(
        os.environ,
        KIOSCO_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url(size),
        REDIS_URL="redis://127.0.0.1:6379/0",
        KIOSCO_CACHE_PREFIX=f"bench-path-{size}",
        KIOSCO_SECRET_KEY="bench-path-secret-" + "s" * 40,
        KIOSCO_DEBUG="0",
        KIOSCO_SECURE_COOKIES="0",
        DJANGO_SETTINGS_MODULE="kiosco.settings",
    )


# --- the edition: demo, the peers' interview, and filler up to the archive size -------
FILL = r"""
import sys, django; django.setup()
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from kiosco.newsroom.models import Access, Article, Block, Section
from kiosco.newsroom.services import import_article
interview, total = open(sys.argv[1], encoding="utf-8").read(), int(sys.argv[2])
import_article(interview, section="culture", access=Access.SUBSCRIBERS, publish=True,
               create_section=True)
free = import_article(interview.replace("\n", " (free)\n", 1), section="culture",
                      access=Access.FREE, publish=True, create_section=True)
sections = list(Section.objects.all())
have, now = Article.objects.count(), timezone.now()
with transaction.atomic():
    for start in range(have, total, 5000):
        batch = [Article(slug=f"story-{n}", headline=f"Harbour story {n}",
                         standfirst=f"The river and the market, story {n}.",
                         section=sections[n % len(sections)],
                         access=Access.SUBSCRIBERS if n % 2 else Access.FREE,
                         published_at=now - timedelta(days=1, minutes=n), language="en")
                 for n in range(start, min(start + 5000, total))]
        made = Article.objects.bulk_create(batch)
        Block.objects.bulk_create(Block(article=a, position=0, kind="paragraph",
            text=f"Body of {a.slug}: the harbour waited while the river rose.") for a in made)
print(free.article.get_absolute_url())
"""


def interview_text() -> str:
    """The peers' benchmark interview (../shared/peers/article.py) as Kiosco imports
    plain text: headline, standfirst, intro, then Question./Answer. and Q./A. turns.
    Without the peers, the demo edition's interview."""
    if not (PEERS / "article.py").is_file():
        return (ROOT / "kiosco/newsroom/demo/glaciologist-interview.txt").read_text("utf-8")
    sys.path.insert(0, str(PEERS))
    import article  # type: ignore[import-not-found]

    turns = [
        f"{'Question' if i == 0 else 'Q'}. {q}\n{'Answer' if i == 0 else 'A'}. {a}"
        for i, (q, a) in enumerate(article.TURNS)
    ]
    return "\n\n".join([article.TITLE, article.STANDFIRST, article.INTRO, *turns]) + "\n"


@contextmanager
def edition(size: int, var_dir: Path) -> Iterator[tuple[dict[str, str], str]]:
    """A database of ``size`` articles; yields its environment and the free copy's path."""
    import psycopg

    name = database_url(size).rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    env = kiosco_env(size, var_dir)
    try:
        kiosco = str(BIN / "kiosco")
        subprocess.run([kiosco, "migrate", "--noinput", "--verbosity", "0"], env=env, check=True)
        subprocess.run([kiosco, "load-demo"], env=env, check=True, stdout=subprocess.DEVNULL)
        text = var_dir / "interview.txt"
        text.write_text(interview_text(), encoding="utf-8")
        fill = [sys.executable, "-c", FILL, str(text), str(size)]
        out = subprocess.run(fill, env=env, check=True, capture_output=True, text=True).stdout
        yield env, out.strip().splitlines()[-1]
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def process(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> Iterator[None]:
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def kiosco_server(env: dict[str, str], port: int, collect: bool) -> list[str]:
    flags = [] if collect else ["--no-collectstatic"]
    return [str(BIN / "kiosco"), "serve", "--port", str(port), "--workers", "2", *flags]


def minimal_server(port: int) -> list[str]:
    return [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
        "--port", str(port), "--workers", "2", "--blocking-threads", "1",  # as kiosco serve
        "--log-level", "warning", "bench.minimal_django:application",
    ]  # fmt: skip


NGINX = """
worker_processes 1; daemon off; pid {dir}/nginx.pid; error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  proxy_cache_path {dir}/cache levels=1:2 keys_zone=kiosco:10m max_size=256m inactive=10m
                   use_temp_path=off;
  upstream kiosco {{ server 127.0.0.1:{upstream}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port};
{locations}
  }}
}}
"""


def readme_proxy_locations() -> str:
    """The `location /` block README's "Serving pages from a proxy" shows: the bench
    runs the configuration the operators are told to run."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- proxy-cache -->", 2)[1]
    lines = [line for line in block.splitlines() if line.strip() and not line.startswith("```")]
    return "\n".join(line.replace("127.0.0.1:8000", "kiosco") for line in lines)


@contextmanager
def nginx(upstream: int, port: int, directory: Path) -> Iterator[None]:
    config = directory / "nginx.conf"
    directory.chmod(0o777)  # run as root, nginx's workers drop to nobody: they write here
    locations = readme_proxy_locations()
    config.write_text(
        NGINX.format(dir=directory, upstream=upstream, port=port, locations=locations)
    )
    with process(["nginx", "-c", str(config), "-p", str(directory)], dict(os.environ)):
        yield


# --- load --------------------------------------------------------------------------------
@dataclass
class Target:
    name: str
    url: str
    headers: list[str] = field(default_factory=list)
    rounds: list[tuple[float, float]] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return statistics.median(r for r, _ in self.rounds)

    @property
    def p99(self) -> float:
        return statistics.median(p for _, p in self.rounds)


def wrk(target: Target, seconds: int) -> tuple[float, float]:
    from bench_paywall import to_ms

    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for header in target.headers:
        command += ["-H", header]
    out = subprocess.run([*command, target.url], check=True, capture_output=True, text=True).stdout
    import re

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{target.name} answered {errors.group(1)} errors under load:\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    if not rps or not p99:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    return float(rps.group(1)), to_ms(p99.group(1), p99.group(2))


def signed_in_alice(base: str, article: str) -> str:
    """alice's Cookie header on this server, holding her lease on ``article``."""
    alice = Device()
    alice.sign_in(base)
    status, html = alice.open(base + article)
    if status != 200 or not shows_the_body(html):
        raise SystemExit(f"alice's first view of {article} shows no body (HTTP {status})")
    return alice.cookie_header()


def peers() -> list[Target]:
    """Ghost's public article and Wagtail's article page, started from ../shared/peers
    (built there the first time); none when the peers are not beside the checkout."""
    if not (PEERS / "setup.sh").is_file() or os.environ.get("BENCH_WITH_PEERS") == "0":
        print(f"(peers not measured: no {PEERS}, or BENCH_WITH_PEERS=0)")
        return []
    subprocess.run([str(PEERS / "setup.sh")], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([str(PEERS / "start.sh")], check=True, stdout=subprocess.DEVNULL)
    ports = dict(
        line.split("=", 1)
        for line in (PEER_ROOT / "peers.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    return [
        Target("Ghost 5, public article", f"http://127.0.0.1:{ports['GHOST_PORT']}/{INTERVIEW}/"),
        Target("Wagtail 8, article page", f"http://127.0.0.1:{ports['WAGTAIL_PORT']}/{INTERVIEW}/"),
    ]


# --- queries and round trips per page, counted in-process --------------------------------
COUNT = r"""
import json, sys
sys.path.insert(0, "bench")
import django; django.setup()
from profile_pages import Counters, caller
out = {}
for name, path, cookie in json.loads(sys.argv[1]):
    call = caller(path, cookie)
    for _ in range(3):
        call()
    counters = Counters()
    with counters.counting():
        status = call()
    out[name] = [counters.sql, counters.redis, status]
print(json.dumps(out))
"""


def costs(env: dict[str, str], pages: list[tuple[str, str, str]]) -> dict[str, list]:
    env = dict(env, KIOSCO_ALLOWED_HOSTS="testserver,127.0.0.1")
    command = [sys.executable, "-c", COUNT, json.dumps(pages)]
    out = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- the run -------------------------------------------------------------------------------
def needed_tools() -> None:
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(
                f"{tool} is missing: apt-get install {tool} (make bench does it as root)"
            )


def kiosco_targets(stack: ExitStack, size: int, first: bool, var: Path) -> list[Target]:
    """One edition of ``size`` articles served, alice signed in on it; its pages (and,
    for the first, the bare view and the pages through nginx). Its costs in ``COUNTED``."""
    (var / str(size)).mkdir(parents=True)
    env, free = stack.enter_context(edition(size, var / str(size)))
    subscriber = free.replace("-free/", "/")
    port = free_port()
    stack.enter_context(process(kiosco_server(env, port, first), env))
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base + "/healthz/live", timeout=120)
    cookie = signed_in_alice(base, subscriber)
    label = f"[{size:,} articles]"
    targets = (
        [Target("Kiosco /healthz/live (same server)", base + "/healthz/live")] if first else []
    )
    targets += [
        Target(f"subscriber article, alice {label}", base + subscriber, [f"Cookie: {cookie}"]),
        Target(f"free article, anonymous {label}", base + free),
        Target(f"front page, anonymous {label}", base + "/"),
        Target(f"section page, anonymous {label}", base + "/culture/"),
    ]
    pages = [("subscriber", subscriber, cookie), ("free", free, ""), ("front", "/", "")]
    COUNTED[size] = costs(env, [*pages, ("section", "/culture/", "")])
    INSTRUCTIONS[size] = instructions(env, [*pages, ("section", "/culture/", "")], var)
    if first:
        proxy = free_port()
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        stack.enter_context(nginx(port, proxy, directory))
        wait_until_up(f"http://127.0.0.1:{proxy}/")
        targets += [
            Target(f"free article via nginx {label}", f"http://127.0.0.1:{proxy}{free}"),
            Target(f"front page via nginx {label}", f"http://127.0.0.1:{proxy}/"),
        ]
    return targets


COUNTED: dict[int, dict[str, list]] = {}
INSTRUCTIONS: dict[int, dict[str, float]] = {}


def instructions(env: dict[str, str], pages: list[tuple[str, str, str]], var: Path) -> dict:
    """Millions of instructions per request of each page on this edition (none without
    valgrind)."""
    if not shutil.which("valgrind"):
        return {}
    env = dict(env, KIOSCO_ALLOWED_HOSTS="testserver,127.0.0.1")
    out = var / "callgrind"
    out.mkdir(exist_ok=True)
    return {name: count((path, cookie), str(out), env) for name, path, cookie in pages}


def main() -> int:
    needed_tools()
    var = ROOT / "var" / "bench-path"
    shutil.rmtree(var, ignore_errors=True)
    with ExitStack() as stack:
        floor_port = free_port()
        stack.enter_context(process(minimal_server(floor_port), dict(os.environ)))
        wait_until_up(f"http://127.0.0.1:{floor_port}/")
        targets = [Target("minimal Django view (granian)", f"http://127.0.0.1:{floor_port}/")]
        for number, size in enumerate(SIZES):
            targets += kiosco_targets(stack, size, number == 0, var)
        targets += peers()
        for target in targets:  # warm-up: caches, connections, Ghost's JIT
            wrk(target, 3 if "Ghost" not in target.name else 20)
        for _ in range(ROUNDS):
            for target in targets:
                target.rounds.append(wrk(target, SECONDS))
        if any("Ghost" in t.name for t in targets):
            subprocess.run([str(PEERS / "stop.sh")], check=False, stdout=subprocess.DEVNULL)
    report(targets, COUNTED)
    return 0


def report(targets: list[Target], counted: dict[int, dict[str, list]]) -> None:
    by = {t.name: t for t in targets}
    floor = by["minimal Django view (granian)"]
    health = by["Kiosco /healthz/live (same server)"]
    print(
        f"kiosco serve --workers 2 (granian WSGI) on PostgreSQL + Redis; wrk -t2 -c{CONNECTIONS},"
        f" {ROUNDS} interleaved rounds of {SECONDS}s; medians"
    )
    print(f"{'page':48s} {'req/s':>8s} {'p99 ms':>8s} {'/minimal':>9s} {'/healthz':>9s}")
    for t in targets:
        print(
            f"{t.name:48s} {t.rps:8.0f} {t.p99:8.1f} {t.rps / floor.rps:9.2f} "
            f"{t.rps / health.rps:9.2f}"
        )
    small, large = SIZES[0], SIZES[-1]
    if large != small:
        print(f"\ncost against the archive: req/s at {large:,} / at {small:,} articles")
        for page in ("subscriber article, alice", "free article, anonymous",
                     "front page, anonymous", "section page, anonymous"):  # fmt: skip
            a, b = by[f"{page} [{small:,} articles]"], by[f"{page} [{large:,} articles]"]
            print(f"  {page:40s} {b.rps / a.rps:6.2f}")
    peers_ = [t for t in targets if "Ghost" in t.name or "Wagtail" in t.name]
    if peers_:
        subscriber = by[f"subscriber article, alice [{small:,} articles]"]
        print("\nKiosco's subscriber page against the peers (same interview):")
        for peer in peers_:
            print(f"  {subscriber.rps / peer.rps:6.1f}x {peer.name} ({peer.rps:.0f} req/s)")
    print("\nper request, counted in-process (SQL queries, Redis round trips):")
    for size, pages in counted.items():
        summary = ", ".join(
            f"{name} {sql} SQL / {redis} Redis" for name, (sql, redis, _) in pages.items()
        )
        print(f"  {size:,} articles: {summary}")
    if len(INSTRUCTIONS) == 2 and all(INSTRUCTIONS.values()):
        print(f"\nM instructions per request (callgrind), {small:,} and {large:,} articles:")
        for name, at_small in INSTRUCTIONS[small].items():
            at_large = INSTRUCTIONS[large][name]
            ratio = at_small / at_large  # read as the req/s ratio: 1.0, no dearer when large
            print(f"  {name:12s} {at_small:7.3f} {at_large:7.3f}  small/large {ratio:5.2f}")


if __name__ == "__main__":
    sys.exit(main())
