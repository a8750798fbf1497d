"""What runs in the separate processes of the concurrency tests, each process with its
own database connection (psycopg or sqlite3, never Django's), driving the real engine.

``python -m tests.leases.workers holder KIND TARGET SEAT`` is the paused-holder child:
it acquires, then renews with the same token every 50 ms, one result per line.
"""

from __future__ import annotations

import datetime
import os
import time
from typing import Self


def _skew_the_app_clocks(seconds: float) -> None:
    """This process's app clocks, ``seconds`` off (a second app instance with a wrong
    clock): time.time, datetime.datetime.now/utcnow/today and, once Django is
    imported, django.utils.timezone.now. Done before anything else is imported, so
    even a ``from datetime import datetime`` made later sees the skewed class."""
    real_time = time.time
    skew = datetime.timedelta(seconds=seconds)

    class SkewedDatetime(datetime.datetime):
        # Arithmetic on a datetime subclass keeps the subclass (Python 3.8+).
        @classmethod
        def now(cls, tz: datetime.tzinfo | None = None) -> Self:
            return super().now(tz) + skew

        @classmethod
        def utcnow(cls) -> Self:
            return super().utcnow() + skew

        @classmethod
        def today(cls) -> Self:
            return cls.now()

    time.time = lambda: real_time() + seconds
    # Through the module's namespace: the type checker rightly refuses to rebind a class.
    vars(datetime)["datetime"] = SkewedDatetime


SKEW = float(os.environ.get("KIOSCO_TEST_APP_CLOCK_SKEW", "0"))
if SKEW:
    _skew_the_app_clocks(SKEW)

import multiprocessing  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections import Counter  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from typing import Any  # noqa: E402

from kiosco.leases import engine as engine_module  # noqa: E402
from kiosco.leases.engine import Acquired, Device, Engine, Held, Policy, Seat, Token  # noqa: E402
from kiosco.leases.stores.connections import PsycopgDatabase, SqliteDatabase  # noqa: E402
from kiosco.leases.stores.sql import SqlStore  # noqa: E402

# No rate limit (an empty window) and no sampled renewals: nothing but the race.
UNLIMITED = Policy(ttl=180, idle=180, takeovers=10**9, takeover_window=0.0, renew_sample=0.0)


def name(result: object) -> str:
    reason = getattr(result, "reason", None)
    return type(result).__name__ + (f":{reason}" if reason else "")


def open_engine(
    kind: str, target: str, policy: Policy = UNLIMITED, isolation: str | None = None
) -> Engine:
    """An engine on its own connection; on PostgreSQL every transaction at
    ``isolation`` (``None``: the server's default, READ COMMITTED)."""
    db = PsycopgDatabase(target, isolation) if kind == "postgresql" else SqliteDatabase(target)
    if kind == "sqlite":  # the app's setting (kiosco/settings.py): readers never wait
        db.fetch("PRAGMA journal_mode=WAL", {})
    return Engine(SqlStore(db), policy)


CLOCK = {
    "postgresql": "SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8",
    "sqlite": "SELECT (julianday('now') - 2440587.5) * 86400.0",
}


class Beliefs:
    """When the engine told one client it held a slot, by the database's clock.

    Before every call the client reads the server clock (``asked``). A Held/Acquired
    answer proves the client held (slot, generation) at some instant of that call;
    two such answers with the same (slot, generation) prove it held it the whole time
    in between (a change of holder bumps the generation). So the client surely
    believed, with the engine's word, from the call AFTER the first answer began
    (the first answer came before it) until the last confirming call began: those
    intervals are sound, and an independent checker counts their overlaps."""

    def __init__(self, client: str) -> None:
        self.client = client
        self.intervals: list[tuple[str, int, int, float, float]] = []
        self._chain: tuple[int, int] | None = None  # (slot, generation) last confirmed
        self._first_after: float | None = None  # start of the call after the first answer
        self._last_asked = 0.0
        self._pending_start = False

    def asked(self, at: float) -> None:
        if self._pending_start:
            self._first_after, self._pending_start = at, False
        self._last_asked = at

    def answered(self, result: object) -> None:
        lease = getattr(result, "lease", None)
        if lease is None or (lease.slot, lease.generation) != self._chain:
            # A new belief, or none: the old one ended.
            self._chain = None if lease is None else (lease.slot, lease.generation)
            self._first_after, self._pending_start = None, lease is not None
            return
        if self._first_after is None or self._first_after > self._last_asked:
            return
        slot, generation = lease.slot, lease.generation
        interval = (self.client, slot, generation, self._first_after, self._last_asked)
        if self.intervals and self.intervals[-1][:4] == interval[:4]:
            self.intervals[-1] = interval  # the same belief, confirmed again
        else:
            self.intervals.append(interval)


def _clock(engine: Engine) -> float:
    store = engine.store
    assert isinstance(store, SqlStore)
    return float(store.db.fetch(CLOCK[store.db.vendor], {})[0][0])


def race_take_over(
    kind: str,
    target: str,
    seat: int,
    racer: str,
    count: int,
    start: float,
    isolation: str | None = None,
) -> dict[str, Any]:
    """``count`` explicit takeovers, as fast as it can. The racer rotates over three
    devices of its own, so nearly every call finds another device holding the slot."""
    engine = open_engine(kind, target, isolation=isolation)
    devices = [Device(1, f"{racer}-{n}") for n in range(3)]
    beliefs = {d.device: Beliefs(d.device) for d in devices}
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    time.sleep(max(0.0, start - time.time()))
    for i in range(count):
        me = devices[i % 3]
        try:
            beliefs[me.device].asked(_clock(engine))
            result = engine.take_over(Seat(seat), me)
            beliefs[me.device].answered(result)
            outcomes[name(result)] += 1
            if isinstance(result, Acquired):  # confirm at once: proves an instant held
                beliefs[me.device].asked(_clock(engine))
                beliefs[me.device].answered(engine.check(Seat(seat), me))
        except Exception as error:  # what the test must never see: report, don't die
            errors.append(repr(error))
    intervals = [i for b in beliefs.values() for i in b.intervals]
    report = {"outcomes": dict(outcomes), "errors": errors, "intervals": intervals}
    return report | _absorbed()


def _client(
    kind: str,
    target: str,
    seat: Seat,
    device: str,
    rounds: int,
    report: dict[str, Any],
    isolation: str | None,
) -> None:
    engine, me = open_engine(kind, target, isolation=isolation), Device(1, device)
    rng, token, beliefs = random.Random(device), None, Beliefs(device)
    for _ in range(rounds):
        try:
            beliefs.asked(_clock(engine))
            result = engine.check(seat, me, token)
            beliefs.answered(result)
            report["outcomes"][name(result)] += 1
            if isinstance(result, Acquired | Held):
                token = result.lease.token
                if rng.random() < 0.5:
                    beliefs.asked(_clock(engine))
                    engine.release(token, "hidden")
                    beliefs.answered(None)  # let go: no longer believes it holds
            elif rng.random() < 0.3:
                beliefs.asked(_clock(engine))
                beliefs.answered(engine.take_over(seat, me, token))
        except Exception as error:
            report["errors"].append(repr(error))
    beliefs.asked(_clock(engine))
    engine.release_device(1, device, "done")  # everyone leaves at the end
    beliefs.answered(None)
    report["intervals"] += beliefs.intervals


def race_clients(
    kind: str,
    target: str,
    seat: int,
    slots: int,
    names: list[str],
    rounds: int,
    start: float,
    isolation: str | None = None,
) -> dict[str, Any]:
    """One process of the 50-client race: a thread (and a connection) per client."""
    report: dict[str, Any] = {"outcomes": Counter(), "errors": [], "intervals": []}
    threads = [
        threading.Thread(
            target=_client, args=(kind, target, Seat(seat, slots), n, rounds, report, isolation)
        )
        for n in names
    ]
    time.sleep(max(0.0, start - time.time()))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "outcomes": dict(report["outcomes"]),
        "errors": report["errors"],
        "intervals": report["intervals"],
    } | _absorbed()


def race_releases(
    kind: str,
    target: str,
    seat: int,
    count: int,
    start: float,
    isolation: str | None = None,
) -> dict[str, Any]:
    """The release paths, as fast as they go, against the clients of the same seat:
    every reader, one seat, one device in turn (where the deadlocks were). Every
    answer must be ``Released``: a release path never loses its release."""
    engine = open_engine(kind, target, isolation=isolation)
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    time.sleep(max(0.0, start - time.time()))
    for i in range(count):
        try:
            if i % 3 == 0:
                result: object = engine.release_all(1, "password_changed")
            elif i % 3 == 1:
                result = engine.release_seat(seat, "seat_revoked")
            else:
                result = engine.release_device(1, f"client-0-{i % 10}", "device_signed_out")
            outcomes[name(result)] += 1
        except Exception as error:
            errors.append(repr(error))
    return {"outcomes": dict(outcomes), "errors": errors, "intervals": []} | _absorbed()


def _absorbed() -> dict[str, int]:
    """This process's lost races the engine answered: database-side (deadlocks,
    serialization failures) and uniqueness conflicts."""
    return {
        "races": sum(engine_module.RACES.values()),
        "conflicts": sum(engine_module.CONFLICTS.values()),
    }


def most_believed_at_once(intervals: list[tuple[str, int, int, float, float]]) -> int:
    """The independent check: the most clients that, by the engine's own answers,
    held a slot at one instant (database clock). Intervals that only touch do not
    overlap: clocks read in milliseconds (SQLite) cannot order two calls within one."""
    edges: list[tuple[float, int, int, int, int]] = []
    for n, (*_, start, end) in enumerate(intervals):
        if start == end:  # a proven instant: counts alone, between ends and starts
            edges += [(start, 1, n, 0, 1), (start, 1, n, 1, -1)]
        elif start < end:
            edges += [(start, 2, n, 0, 1), (end, 0, n, 1, -1)]
    most = current = 0
    for *_, step in sorted(edges):
        current += step
        most = max(most, current)
    return most


def sample_holders(kind: str, target: str, seat: int, stop: Any, results: Any) -> None:
    """A sampler of the rows (its own connection, never the engine): generations never
    go back. (It cannot see more than N holders: one row per slot; the clients'
    believed intervals are the check for that.)"""
    db = PsycopgDatabase(target) if kind == "postgresql" else SqliteDatabase(target)
    clock = CLOCK[kind].removeprefix("SELECT ")
    most, samples, went_back = 0, 0, 0
    last: dict[int, int] = {}
    while not stop.is_set():
        rows = db.fetch(
            f"SELECT slot, generation, device, expires_at > {clock} "
            "FROM leases_slot WHERE seat = %(seat)s",
            {"seat": seat},
        )
        holders = {device for _, _, device, live in rows if device is not None and live}
        most, samples = max(most, len(holders)), samples + 1
        for slot, generation, _, _ in rows:
            went_back += generation < last.get(slot, 0)
            last[slot] = generation
    results.put({"most": most, "samples": samples, "went_back": went_back})


def hold_and_keep_renewing(kind: str, target: str, seat: int) -> None:
    engine = open_engine(kind, target, Policy(ttl=1.0, idle=1.0, renew_sample=0.0))
    me = Device(1, "paused-laptop")
    first = engine.check(Seat(seat), me)
    assert isinstance(first, Acquired)
    token: Token = first.lease.token
    print(f"token {token.generation}", flush=True)
    while True:  # the same token for ever: a process that does not know it was paused
        asked = time.time()  # stamped before the call: a call begun before a pause may pass
        print(asked, type(engine.renew(token, me)).__name__, flush=True)
        time.sleep(0.05)


def serve_skewed(kind: str, target: str, seat: int) -> None:
    """One app instance with a skewed clock, driven line by line from stdin:
    ``check DEVICE``, ``renew SLOT GENERATION DEVICE``, ``shift SECONDS`` (moves the
    store's clock, the database's, for the TTL). Answers: the result's name, and for
    a lease its slot, generation and expiry (database clock); the app's own clock too."""
    import django.utils.timezone

    if SKEW:  # django imported the skewed datetime already; its now() too, to be sure
        django.utils.timezone.now = lambda: datetime.datetime.now(datetime.UTC)
    engine = open_engine(kind, target, Policy(ttl=180, idle=180, renew_sample=0.0))
    assert isinstance(engine.store, SqlStore)
    for line in sys.stdin:
        verb, *args = line.split()
        if verb == "shift":
            engine.store.offset = float(args[0])
            print("ok", flush=True)
            continue
        if verb == "check":
            result = engine.check(Seat(seat), Device(1, args[0]))
        else:
            token = Token(seat, int(args[0]), int(args[1]), args[2])
            result = engine.renew(token, Device(1, args[2]))
        lease = getattr(result, "lease", None)
        facts = f" {lease.slot} {lease.generation} {lease.expires_at}" if lease else ""
        print(f"{name(result)}{facts} app_clock={time.time()}", flush=True)


if __name__ == "__main__":
    _, role, kind, target, seat = sys.argv
    if role == "skewed":
        serve_skewed(kind, target, int(seat))
    else:
        assert role == "holder"
        hold_and_keep_renewing(kind, target, int(seat))


# --- the races, as the test suite (a smoke) and the benchmark (in full) run them ------
def isolation_levels(kind: str) -> list[str | None]:
    """PostgreSQL's two levels a deployment may run at; SQLite has one writer."""
    return ["read committed", "repeatable read"] if kind == "postgresql" else [None]


def _start_sampler(kind: str, target: str, seat: int) -> tuple[Any, Any, Any]:
    ctx = multiprocessing.get_context("spawn")
    stop, results = ctx.Event(), ctx.Queue()
    sampler = ctx.Process(target=sample_holders, args=(kind, target, seat, stop, results))
    sampler.start()
    return sampler, stop, results


def _stop_sampler(sampler: Any, stop: Any, results: Any) -> dict[str, int]:
    stop.set()
    report = results.get(timeout=60)
    sampler.join(timeout=60)
    return report


def _merged(reports: list[dict[str, Any]]) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    intervals: list[Any] = []
    for report in reports:
        outcomes.update(report["outcomes"])
        errors += report["errors"]
        intervals += [tuple(i) for i in report["intervals"]]
    races = sum(report.get("races", 0) for report in reports)
    conflicts = sum(report.get("conflicts", 0) for report in reports)
    return {
        "outcomes": outcomes,
        "errors": errors,
        "intervals": intervals,
        "races": races,
        "conflicts": conflicts,
    }


def run_take_over_race(
    kind: str, target: str, seat: int, takeovers: int, racers: int, isolation: str | None
) -> dict[str, Any]:
    """``racers`` processes, ``takeovers`` takeovers between them, a sampler beside."""
    sampler = _start_sampler(kind, target, seat)
    start, each = time.time() + 3, takeovers // racers
    with ProcessPoolExecutor(racers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            pool.submit(race_take_over, kind, target, seat, f"r{n}", each, start, isolation)
            for n in range(racers)
        ]
        report = _merged([f.result(timeout=3600) for f in futures])
    return report | {"sampled": _stop_sampler(*sampler), "calls": each * racers}


def run_client_race(
    kind: str,
    target: str,
    seat: int,
    slots: int,
    rounds: int,
    isolation: str | None,
    releases: int = 0,
) -> dict[str, Any]:
    """50 clients in 5 processes on one seat of ``slots``, and (when ``releases``)
    a sixth process running the release paths against them all along."""
    names = [[f"client-{p}-{t}" for t in range(10)] for p in range(5)]
    sampler = _start_sampler(kind, target, seat)
    start = time.time() + 3
    with ProcessPoolExecutor(6, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            pool.submit(race_clients, kind, target, seat, slots, group, rounds, start, isolation)
            for group in names
        ]
        if releases:
            futures.append(
                pool.submit(race_releases, kind, target, seat, releases, start, isolation)
            )
        report = _merged([f.result(timeout=3600) for f in futures])
    return report | {"sampled": _stop_sampler(*sampler)}
