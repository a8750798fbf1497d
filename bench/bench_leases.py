"""Lease engine throughput: check, renew and take_over per second on SQLite and
PostgreSQL, each next to the raw round trips of the very same SQL through the same
driver connection in the same run. The ratio (engine / raw) is the engine's cost:
the machine is shared, so only ratios measured side by side mean anything.

Standalone: configures Django itself with a scratch SQLite file under var/ and a
scratch schema in PostgreSQL (KIOSCO_BENCH_POSTGRES_URL, default the local ``test``
database), and removes both afterwards.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dj_database_url  # noqa: E402
import django  # noqa: E402
import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402

SQLITE = ROOT / "var" / f"bench_leases_{os.getpid()}.sqlite3"
POSTGRES = os.environ.get("KIOSCO_BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
SCHEMA = f"bench_leases_{os.getpid()}"
ROUNDS = int(os.environ.get("KIOSCO_BENCH_ROUNDS", "5"))
COUNTS = {
    "check": 1000,
    "renew": 1000,
    "renew_due": 500,
    "take_over": 200,
}  # per round (even: see take_over)


def configure() -> None:
    SQLITE.parent.mkdir(exist_ok=True)
    sqlite = dj_database_url.parse(f"sqlite:///{SQLITE}")
    sqlite["OPTIONS"] = {  # as kiosco/settings.py sets them
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    postgres = dj_database_url.parse(POSTGRES)
    postgres["OPTIONS"] = {"options": f"-c search_path={SCHEMA}"}
    settings.configure(
        INSTALLED_APPS=["kiosco.leases"],
        DATABASES={"default": sqlite, "postgres": postgres},
        SECRET_KEY="bench-only-" + "x" * 40,
        USE_TZ=True,
    )
    django.setup()


def best_rates(
    engine: Callable[[int], object], raw: Callable[[int], object], count: int
) -> tuple[float, float]:
    """Best rate of each over ROUNDS, the two interleaved round by round so that
    whatever else loads the machine weighs on both alike."""
    best = [0.0, 0.0]
    for _ in range(ROUNDS):
        for side, operation in enumerate((engine, raw)):
            started = time.perf_counter()
            for i in range(count):
                operation(i)
            best[side] = max(best[side], count / (time.perf_counter() - started))
    return best[0], best[1]


class Raw:
    """The engine's statements, sent straight through the driver connection."""

    def __init__(self, alias: str) -> None:
        from django.db import connections

        from kiosco.leases.stores.connections import _NAMED
        from kiosco.leases.stores.sql import statements

        wrapper = connections[alias]
        wrapper.ensure_connection()
        self.driver = wrapper.connection  # the sqlite3 / psycopg connection Django uses
        self.vendor = wrapper.vendor
        self.sql = statements(self.vendor)
        self.native = (lambda text: _NAMED.sub(r":\1", text)) if self.vendor == "sqlite" else str
        self.begin = "BEGIN IMMEDIATE" if self.vendor == "sqlite" else "BEGIN"

    def run(self, text: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        cursor = self.driver.execute(self.native(text), params)
        return cursor.fetchall() if cursor.description else []

    def statement(self, text: str) -> None:
        self.driver.execute(text)

    def check(self, seat: int) -> None:
        self.run(self.sql.read, {"shift": 0.0, "seat": seat})

    def renew(self, seat: int, generation: int, device: str, shift: float) -> None:
        self.run(self.sql.read, {"shift": shift, "seat": seat})  # the engine reads first
        self.statement(self.begin)
        self.run(
            self.sql.renew,
            {
                "shift": shift,
                "ttl": 180.0,
                "idle": 0.0,
                "seat": seat,
                "slot": 0,
                "generation": generation,
                "device": device,
            },
        )
        self.statement("COMMIT")

    def take_over(self, seat: int, device: str) -> None:
        rows = self.run(self.sql.read, {"shift": 0.0, "seat": seat})
        seen, now = rows[0][3], rows[0][0]
        self.run(
            self.sql.count_events, {"seat": seat, "kind": "taken_over", "since": now, "limit": 6}
        )
        self.statement(self.begin)
        claim = {"shift": 0.0, "seat": seat, "slot": 0, "seen": seen, "device": device}
        claim |= {"reader": 1, "ttl": 180.0, "idle": 0.0, "only_if_vacant": 0, "stale_idle": 180.0}
        claimed = self.run(self.sql.claim, claim)
        event = {"shift": 0.0, "kind": "taken_over", "seat": seat, "slot": 0, "at": now}
        event |= {"generation": claimed[0][2], "device": device, "reader": 1}
        event |= {"from_device": "other", "from_reader": 1, "idle_of_displaced": 0.0}
        self.run(self.sql.append, event | {"reason": "explicit"})
        self.statement("COMMIT")


def bench_database(alias: str, label: str) -> list[tuple[str, float, float]]:
    from kiosco.leases.engine import Acquired, Device, Engine, Held, Policy, Seat
    from kiosco.leases.stores.connections import DjangoDatabase
    from kiosco.leases.stores.sql import SqlStore

    policy = Policy(ttl=180, idle=180, takeovers=6, takeover_window=0.0, renew_sample=0.0)
    engine = Engine(SqlStore(DjangoDatabase(alias)), policy)
    due = Engine(SqlStore(DjangoDatabase(alias)), policy)  # its clock jumps: every renew due
    raw = Raw(alias)
    devices = [Device(1, "phone"), Device(1, "laptop")]
    seats = {n: Seat(n) for n in (1, 2, 3, 4, 5)}  # built once, like a caller's cached seat
    held = engine.check(seats[1], devices[0])
    assert isinstance(held, Acquired)
    token = held.lease.token
    for seat in (2, 3, 5):
        engine.check(seats[seat], devices[0])
    renewing = due.check(seats[4], devices[0])
    assert isinstance(renewing, Acquired)
    rows: list[tuple[str, float, float]] = []

    def engine_take_over(i: int) -> None:
        result = engine.take_over(seats[2], devices[(i + 1) % 2])
        assert isinstance(result, Acquired), result

    def raw_take_over(i: int) -> None:
        raw.take_over(3, devices[(i + 1) % 2].device)

    def engine_renew_due(i: int) -> None:
        due.store.offset += 91  # type: ignore[attr-defined]  # past half the TTL: it writes
        assert isinstance(due.renew(renewing.lease.token, devices[0]), Held)

    raw_generation = raw.run(raw.sql.read, {"shift": 0.0, "seat": 5})[0][3]
    measured = {
        "check": (lambda i: engine.check(seats[1], devices[0]), lambda i: raw.check(1)),
        # A heartbeat's renewal with most of the TTL left: one read, no write.
        "renew": (lambda i: engine.renew(token, devices[0]), lambda i: raw.check(1)),
        # A renewal that is due: the fenced write, next to the raw write transaction.
        "renew_due": (
            engine_renew_due,
            lambda i: raw.renew(5, raw_generation, "phone", float(i)),
        ),
        "take_over": (engine_take_over, raw_take_over),
    }
    for name, (through_engine, through_driver) in measured.items():
        count = COUNTS[name]
        rows.append((name, *best_rates(through_engine, through_driver, count)))
    print(f"\n{label}: operations per second (best of {ROUNDS})")
    print(f"  {'operation':<10} {'engine':>9} {'raw SQL':>9} {'ratio':>6}")
    for name, engine_rate, raw_rate in rows:
        print(f"  {name:<10} {engine_rate:>9.0f} {raw_rate:>9.0f} {engine_rate / raw_rate:>6.2f}")
    return rows


# The process race suite at ten times the test suite's old size (10,000 takeovers,
# 50 clients x 30 rounds): separate processes, each on its own connection, under both
# isolation levels, the release paths racing the clients. No exception may reach a
# caller; the checks are the test suite's (tests/leases/test_concurrency.py).
RACE_TAKEOVERS = int(os.environ.get("KIOSCO_BENCH_RACE_TAKEOVERS", "100000"))
RACE_ROUNDS = int(os.environ.get("KIOSCO_BENCH_RACE_ROUNDS", "300"))


def race_target() -> str:
    return psycopg.conninfo.make_conninfo(POSTGRES, options=f"-c search_path={SCHEMA}")


def generations_logged_twice(seat: int) -> int:
    """Per slot, lines that change a holder logged under a generation already seen."""
    with psycopg.connect(race_target()) as conn:
        row = conn.execute(
            "SELECT COUNT(*) - COUNT(DISTINCT (slot, generation)) FROM leases_event "
            "WHERE seat = %s AND kind IN ('acquired', 'taken_over', 'released')",
            [seat],
        ).fetchone()
    return int(row[0]) if row else 0


def check_race(race: dict[str, Any], seat: int, slots: int) -> list[str]:
    from tests.leases.workers import most_believed_at_once

    problems = [f"exception reached a caller: {e}" for e in race["errors"][:5]]
    if race["sampled"]["most"] > slots or race["sampled"]["went_back"]:
        problems.append(f"sampler saw {race['sampled']}")
    if most_believed_at_once(race["intervals"]) > slots:
        problems.append("more believed holders than slots")
    if generations_logged_twice(seat):
        problems.append("a generation logged twice")
    return problems


def bench_races() -> int:
    from tests.leases import workers

    failures = 0
    print(f"\nPostgreSQL process races ({RACE_TAKEOVERS} takeovers, 50 clients x {RACE_ROUNDS})")
    for n, isolation in enumerate(workers.isolation_levels("postgresql")):
        seat = 1000 + 10 * n
        started = time.perf_counter()
        takeovers = workers.run_take_over_race(
            "postgresql", race_target(), seat, RACE_TAKEOVERS, 4, isolation
        )
        took = time.perf_counter() - started
        problems = check_race(takeovers, seat, 1)
        started = time.perf_counter()
        clients = workers.run_client_race(
            "postgresql", race_target(), seat + 1, 2, RACE_ROUNDS, isolation, RACE_ROUNDS * 5
        )
        lasted = time.perf_counter() - started
        problems += check_race(clients, seat + 1, 2)
        if clients["outcomes"].get("Released", 0) != RACE_ROUNDS * 5:
            problems.append("a release path lost its release")
        failures += bool(problems)
        for label, race, seconds in (("take_over", takeovers, took), ("clients", clients, lasted)):
            calls = sum(race["outcomes"].values())
            print(
                f"  {isolation:<15} {label:<9} {calls:>7} calls in {seconds:6.1f} s; "
                f"lost races absorbed: {race['races']} in the database, "
                f"{race['conflicts']} uniqueness; {dict(race['outcomes'])}"
            )
        print(f"  {isolation:<15} {'PASS' if not problems else 'FAIL: ' + '; '.join(problems)}")
    return failures


def main() -> int:
    from django.db import connections

    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{SCHEMA}"')
    try:
        configure()
        from django.core.management import call_command

        for alias in ("default", "postgres"):
            call_command("migrate", "leases", database=alias, verbosity=0)
        results = bench_database("default", "SQLite (WAL, file under var/)")
        results += bench_database("postgres", "PostgreSQL (local, scratch schema)")
        connections["postgres"].close()  # the races' processes have their own
        race_failures = bench_races() if RACE_TAKEOVERS else 0
    finally:
        connections.close_all()
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
    worst = min(engine / raw for _, engine, raw in results)
    print(f"\nworst ratio {worst:.2f} (aim: at least 0.5)")
    return 1 if race_failures else 0


if __name__ == "__main__":
    sys.exit(main())
