"""`make test`: the whole suite on SQLite, then on PostgreSQL, with real Redis.

Finds the services first. When one is missing it says which and how to provide it
(an URL in the environment, or a throwaway server started from local binaries); it
never skips the tests that need it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.services import ServiceMissing, ensure_postgres, ensure_redis  # noqa: E402


def run_pass(name: str, env: dict[str, str], extra: list[str]) -> int:
    print(f"\n=== Kiosco test suite on {name} ===", flush=True)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *extra]
    return subprocess.call(command, cwd=ROOT, env=env)


def suite_environment(
    environ: Mapping[str, str], *, postgres_url: str, redis_url: str
) -> dict[str, str]:
    """Both passes' environment: the services found, a throwaway secret, and
    Hypothesis derandomised (the ``ci`` profile) unless HYPOTHESIS_PROFILE says else."""
    base = dict(environ)
    base.update(KIOSCO_TEST_REDIS_URL=redis_url, KIOSCO_TEST_POSTGRES_URL=postgres_url)
    base.setdefault("KIOSCO_SECRET_KEY", "test-only-secret-" + "x" * 40)
    base.setdefault("HYPOTHESIS_PROFILE", "ci")
    return base


def main(extra: list[str]) -> int:
    try:
        postgres_url = ensure_postgres()
        redis_url = ensure_redis()
    except ServiceMissing as missing:
        print(f"\nmake test cannot run: {missing}", file=sys.stderr)
        return 2
    (ROOT / "var").mkdir(exist_ok=True)
    base = suite_environment(os.environ, postgres_url=postgres_url, redis_url=redis_url)
    tag = base.get("KIOSCO_TEST_DB_TAG", "main")
    sqlite = dict(base, DATABASE_URL=f"sqlite:///{ROOT / 'var' / f'test-suite-{tag}.sqlite3'}")
    postgres = dict(base, DATABASE_URL=postgres_url)
    results = {"SQLite": run_pass("SQLite", sqlite, extra)}
    results["PostgreSQL"] = run_pass("PostgreSQL", postgres, extra)
    print("\n=== Summary ===")
    for name, code in results.items():
        print(f"{name}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
