"""Sign-up, login and reset cost the same for a known and an unknown address.

In one process per database (Django's test client, real Argon2; a throwaway SQLite
under a temp directory, then a throwaway PostgreSQL database on ``BENCH_POSTGRES``'s
server), known and unknown requests alternate, 30 of each per action; the medians
must lie within 10 ms of each other, or a stopwatch tells who has an account."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ADMIN_URL = os.environ.get("BENCH_POSTGRES", "postgresql://127.0.0.1:5432/test")
PG_NAME = "kiosco_bench_enumeration"
TRIES = int(os.environ.get("BENCH_ENUMERATION_TRIES", "30"))
LIMIT_MS = 10.0
PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parent.parent


def setup(var_dir: str, database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        KIOSCO_VAR_DIR=var_dir,
        DATABASE_URL=database_url or f"sqlite:///{var_dir}/bench.sqlite3",
        KIOSCO_SECRET_KEY="bench-only-secret-" + "b" * 40,
        KIOSCO_DEBUG="0",
        KIOSCO_SECURE_COOKIES="0",
        KIOSCO_ALLOWED_HOSTS="testserver",
        KIOSCO_LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="kiosco.settings",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(send, email: str) -> float:
    started = time.perf_counter()
    response = send(email)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code in (200, 302), response.status_code  # measured the real flow
    return elapsed


def timed_check(check, encoded: str) -> float:
    started = time.perf_counter()
    assert check(PASSWORD, encoded)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    """Each database in a process of its own (Django is set up once per process)."""
    if len(sys.argv) > 1:
        return measure(sys.argv[1])
    import subprocess

    import psycopg

    print("SQLite", flush=True)
    failures = subprocess.call([sys.executable, __file__, "sqlite"])
    pg_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_NAME
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    try:
        print("PostgreSQL", flush=True)
        failures += subprocess.call([sys.executable, __file__, pg_url])
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
    return 1 if failures else 0


def measure(database: str) -> int:
    with tempfile.TemporaryDirectory() as var_dir:
        setup(var_dir, "" if database == "sqlite" else database)
        from django.test import Client, override_settings

        from kiosco.subscriptions.demo import make_reader

        reader = make_reader("known@example.com", PASSWORD)
        assert reader.pk
        actions = {
            "sign-up": lambda email: Client().post(
                "/accounts/signup/",
                {"email": email, "password1": PASSWORD, "password2": PASSWORD},
            ),
            "login": lambda email: Client().post(
                "/accounts/login/", {"login": email, "password": "wrong " + PASSWORD}
            ),
            "reset": lambda email: Client().post("/accounts/password/reset/", {"email": email}),
        }
        from django.contrib.auth.hashers import check_password, make_password

        encoded = make_password(PASSWORD)
        checks = [timed_check(check_password, encoded) for _ in range(10)]
        print(f"argon2   one password check {statistics.median(checks):7.1f} ms (median of 10)")
        failures = 0
        with override_settings(
            ACCOUNT_RATE_LIMITS=False,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        ):
            for name, send in actions.items():
                known: list[float] = []
                unknown: list[float] = []
                for n in range(TRIES):
                    known.append(timed(send, "known@example.com"))
                    unknown.append(timed(send, f"ghost{n}-{name}@example.com"))
                a, b = statistics.median(known), statistics.median(unknown)
                ok = abs(a - b) <= LIMIT_MS
                failures += not ok
                print(
                    f"{name:8} known {a:7.1f} ms  unknown {b:7.1f} ms  "
                    f"difference {a - b:+6.1f} ms  ratio {a / b:5.2f}  "
                    f"{'ok' if ok else f'OVER {LIMIT_MS:.0f} ms'}"
                )
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
