"""Where a page's time goes, in-process, on the production shape (PostgreSQL + Redis).

    .venv/bin/python bench/profile_pages.py [--requests 400] [--html] [page ...]

Pages: ``subscriber`` (alice, Digital, holding her lease, on a subscriber-only
article), ``free`` (an anonymous reader on a free article), ``front`` and ``section``
(anonymous), ``bare`` (/healthz/live through the whole middleware stack). For each it
prints the CPU per request, the SQL queries and Redis round trips per request, and a
pyinstrument call tree (``--html`` also writes ``var/profile/<page>.html``), so the
next person can see where the time goes. It calls Django's WSGI handler directly: no
server, no network, only the page's own cost.

The database is ``kiosco_bench_profile`` on ``BENCH_POSTGRES``'s server (created and
dropped here), Redis db 0 under the key prefix ``bench-profile``.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_POSTGRES", "postgresql://127.0.0.1:5432/test")
DB_NAME = "kiosco_bench_profile"
PAGES = ("subscriber", "free", "front", "section", "bare")


def configure() -> None:
    os.environ.update(
        DATABASE_URL=ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME,
        REDIS_URL=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0"),
        KIOSCO_CACHE_PREFIX="bench-profile",
        KIOSCO_SECRET_KEY="bench-profile-secret-" + "p" * 40,
        KIOSCO_DEBUG="0",
        KIOSCO_SECURE_COOKIES="0",
        KIOSCO_VAR_DIR=str(ROOT / "var" / "bench-profile"),
        KIOSCO_ALLOWED_HOSTS="testserver,127.0.0.1",
        DJANGO_SETTINGS_MODULE="kiosco.settings",
    )


@contextmanager
def throwaway_database() -> Iterator[None]:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


class Counters:
    """SQL statements (Django's execute wrapper) and Redis round trips (every packed
    send of redis-py's connections: a pipeline or an MGET is one)."""

    def __init__(self) -> None:
        self.sql = 0
        self.redis = 0

    @contextmanager
    def counting(self) -> Iterator[None]:
        import redis.connection
        from django.db import connection

        original = redis.connection.AbstractConnection.send_packed_command

        def send(conn: Any, command: Any, check_health: bool = True) -> None:
            self.redis += 1
            original(conn, command, check_health)

        def execute(run: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
            self.sql += 1
            return run(sql, params, many, ctx)

        redis.connection.AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
        try:
            with connection.execute_wrapper(execute):
                yield
        finally:
            redis.connection.AbstractConnection.send_packed_command = original  # type: ignore[method-assign]


def prepare() -> dict[str, tuple[str, str]]:
    """Migrate, load the demo, sign alice in on one device holding her lease; answer
    each page's (path, Cookie header)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from kiosco.newsroom.models import Access, Article, Section
    from kiosco.readers.models import Reader

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    subscriber = Article.objects.published().filter(access=Access.SUBSCRIBERS).first()
    free = Article.objects.published().filter(access=Access.FREE).first()
    section = Section.objects.first()
    assert subscriber and free and section
    alice = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    alice.get("/")  # the device cookie
    alice.force_login(Reader.objects.get(email="alice@example.com"))
    page = alice.get(subscriber.get_absolute_url())
    assert 'class="article-body"' in page.content.decode() and "kiosco_lease" in alice.cookies
    cookie = "; ".join(f"{c.key}={c.value}" for c in alice.cookies.values())
    anonymous = Client()
    anonymous.get("/")
    anon_cookie = "; ".join(f"{c.key}={c.value}" for c in anonymous.cookies.values())
    return {
        "subscriber": (subscriber.get_absolute_url(), cookie),
        "free": (free.get_absolute_url(), anon_cookie),
        "front": ("/", anon_cookie),
        "section": (section.get_absolute_url(), anon_cookie),
        "bare": ("/healthz/live", anon_cookie),
    }


def caller(path: str, cookie: str) -> Callable[[], str]:
    from django.test.client import RequestFactory

    from kiosco.lib.handlers import KioscoWSGIHandler

    handler = KioscoWSGIHandler()
    base = RequestFactory()._base_environ(  # type: ignore[attr-defined]
        PATH_INFO=path,
        REQUEST_METHOD="GET",
        HTTP_COOKIE=cookie,
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    )
    status: list[str] = []

    def start_response(code: str, headers: list[tuple[str, str]], *exc: Any) -> None:
        status.append(code)

    def call() -> str:
        status.clear()
        body = handler(dict(base), start_response)
        b"".join(body)
        body.close()  # type: ignore[attr-defined]
        return status[0]

    return call


def measure(name: str, call: Callable[[], str], requests: int, html: bool) -> None:
    from pyinstrument import Profiler

    for _ in range(20):  # warm: caches, connections, compiled templates
        assert call().startswith("200"), f"{name}: {call()}"
    counters = Counters()
    with counters.counting():
        call()
    started = time.process_time()
    for _ in range(requests):
        call()
    cpu_ms = (time.process_time() - started) * 1000 / requests
    print(
        f"\n## {name}: {cpu_ms:.2f} ms CPU per request, "
        f"{counters.sql} SQL queries, {counters.redis} Redis round trips"
    )
    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(requests):
            call()
    print(profiler.output_text(unicode=False, color=False, show_all=False, time="percent_of_total"))
    if html:
        out = ROOT / "var" / "profile"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.html").write_text(profiler.output_html())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help=f"any of {', '.join(PAGES)} (default: all)")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--html", action="store_true")
    args = parser.parse_args()
    unknown = set(args.pages) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    configure()
    with throwaway_database():
        targets = prepare()
        for name in args.pages or PAGES:
            measure(name, caller(*targets[name]), args.requests, args.html)
    return 0


if __name__ == "__main__":
    sys.exit(main())
