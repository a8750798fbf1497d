"""The SQL lease store: the database is the lease authority (SQLite or PostgreSQL).

Every write is one statement whose WHERE clause is the compare-and-set. Which clock
stamps what (the race model in ``engine.py`` relies on it):

* ``read_seat`` answers the server's clock at the read: the engine *decides* by it.
* A write *stamps* (``acquired_at``, ``expires_at``, ``input_at``, the event's ``at``)
  with the server's clock at the write, after the row lock is held: on PostgreSQL the
  statement first locks its rows (``FOR UPDATE`` in a CTE, in (seat, slot) order) and
  only then evaluates ``clock_timestamp()`` in SET, so a write that waited behind a
  lock is stamped when it lands, not when it started; on SQLite every write runs
  after ``BEGIN IMMEDIATE`` took the database's write lock, and ``'now'`` is the
  statement's. The WHERE's time conditions ("lapsed", "stale") only become truer as
  time passes, so one judged a moment early can refuse a write, never grant one.
* Generations come from one counter for the whole table — a PostgreSQL sequence, on
  SQLite a one-row table kept by a trigger — that no Django model owns: ``flush``,
  ``TRUNCATE``, a delete, or a delete still open in another transaction cannot make
  it issue a number twice. A free row starts at generation 0, which no holder ever
  gets. (migrations/0003_generations_from_one_counter.py)

Statements take named parameters (``%(name)s``); the ``Database`` adapters run them
on Django's connection (``connections.py``) or on bare psycopg / sqlite3 connections
(the multi-process tests and the benchmark).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from functools import cache
from typing import Any, NamedTuple, Protocol

from kiosco.leases.stores import Claim, Event, SlotState

# The server's clock, in seconds since the epoch, plus a shift tests use to move time.
NOW = {
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0 + %(shift)s)",
    "postgresql": "(EXTRACT(EPOCH FROM clock_timestamp())::float8 + %(shift)s)",
}
# Tests only: a clock the caller pins (the stateful model's), so the time a statement
# sees is the one the caller chose however long the machine took to run it; the shift
# parameter then carries the time itself.
PINNED_NOW = {"sqlite": "(%(shift)s + 0.0)", "postgresql": "(%(shift)s::float8)"}
NEXT_GENERATION = {
    "sqlite": "(SELECT value + 1 FROM leases_generation)",
    "postgresql": "nextval('leases_generation')",
}
GREATEST = {"sqlite": "max", "postgresql": "GREATEST"}
COLUMNS = (
    "seat, slot, generation, device, reader, acquired_at, expires_at, input_at, "
    "previous_device, previous_generation"
)
FREE = (
    "previous_generation = generation, previous_device = device, device = NULL, "
    "reader = NULL, acquired_at = NULL, expires_at = NULL, input_at = NULL"
)
EVENT_COLUMNS = (
    "kind, seat, slot, generation, at, device, reader, from_device, from_reader, "
    "idle_of_displaced, reason"
)
EVENT_VALUES = (
    "%(kind)s, %(seat)s, %(slot)s, %(generation)s, COALESCE(%(at)s, {now}), %(device)s, "
    "%(reader)s, %(from_device)s, %(from_reader)s, %(idle_of_displaced)s, %(reason)s"
)
RELEASE_FILTERS = (("seat",), ("reader",), ("reader", "device"))


class Database(Protocol):
    vendor: str

    def fetch(
        self, sql: str, params: Mapping[str, Any], *, prepare: bool = False
    ) -> list[tuple[Any, ...]]:
        """``prepare``: a statement run on every page view, worth preparing where the
        adapter can."""
        ...

    def atomic(self) -> AbstractContextManager[None]: ...


class Statements(NamedTuple):
    read: str
    create: str
    claim: str
    renew: str
    vacate: str
    vacate_where: dict[tuple[str, ...], str]  # one text per filter, so each uses its index
    count_events: str
    append: str
    append_once: str


def _locked_update(vendor: str, where: str, order: str, sets: str) -> str:
    """``UPDATE leases_slot SET sets WHERE where RETURNING``, the rows locked first.

    PostgreSQL: the CTE locks the matching rows (in ``order``) before SET is evaluated
    for any of them, so the clock in SET reads the time after the lock wait, and two
    statements over several rows lock them in the same order. SQLite needs neither:
    its writers run one at a time, each after BEGIN IMMEDIATE."""
    if vendor != "postgresql":
        return f"UPDATE leases_slot SET {sets} WHERE {where} RETURNING {COLUMNS}"
    return (
        f"WITH locked AS (SELECT seat AS s, slot AS n FROM leases_slot WHERE {where} "
        f"ORDER BY {order} FOR UPDATE) "
        f"UPDATE leases_slot SET {sets} FROM locked WHERE seat = locked.s AND slot = locked.n "
        f"AND {where} RETURNING {COLUMNS}"
    )


@cache
def statements(vendor: str, pinned: bool = False) -> Statements:
    """The store's SQL for one database (``pinned``: the caller's clock, not the server's)."""
    now = (PINNED_NOW if pinned else NOW)[vendor]
    greatest, generation = GREATEST[vendor], NEXT_GENERATION[vendor]
    one = "seat = %(seat)s AND slot = %(slot)s"
    return Statements(
        read=f"WITH clock(now) AS (SELECT {now}) SELECT clock.now, {COLUMNS} FROM clock "
        "LEFT JOIN leases_slot ON seat = %(seat)s ORDER BY slot",
        create="INSERT INTO leases_slot (seat, slot, generation) VALUES (%(seat)s, %(slot)s, 0) "
        "ON CONFLICT (seat, slot) DO NOTHING",
        # The compare-and-set. The loser's UPDATE matches no row (the generation moved,
        # or the holder became active again) and it reads an empty RETURNING.
        # ``stale_idle`` is past the idle limit AND the claimer's own idle, so a live
        # holder is replaced silently only by newer input.
        claim=_locked_update(
            vendor,
            f"{one} AND generation = %(seen)s AND (%(only_if_vacant)s = 0 OR device IS NULL "
            f"OR expires_at <= {now} OR input_at <= {now} - %(stale_idle)s)",
            "slot",
            f"previous_generation = generation, generation = {generation}, "
            "previous_device = device, device = %(device)s, reader = %(reader)s, "
            f"acquired_at = {now}, expires_at = {now} + %(ttl)s, input_at = {now} - %(idle)s",
        ),
        renew=_locked_update(
            vendor,
            f"{one} AND generation = %(generation)s AND device = %(device)s AND expires_at > {now}",
            "slot",
            f"expires_at = {now} + %(ttl)s, input_at = {greatest}(input_at, {now} - %(idle)s)",
        ),
        vacate=_locked_update(
            vendor,
            f"{one} AND generation = %(generation)s AND device = %(device)s",
            "slot",
            f"generation = {generation}, {FREE}",
        ),
        vacate_where={
            names: _locked_update(
                vendor,
                "device IS NOT NULL AND slot >= %(from_slot)s AND "
                + " AND ".join(f"{name} = %({name})s" for name in names),
                "seat, slot",
                f"generation = {generation}, {FREE}",
            )
            for names in RELEASE_FILTERS
        },
        # Counts no further than the limit, so a busy seat's long log costs nothing.
        count_events="SELECT COUNT(*) FROM (SELECT 1 FROM leases_event WHERE seat = %(seat)s "
        "AND kind = %(kind)s AND at > %(since)s LIMIT %(limit)s) AS recent",
        append=f"INSERT INTO leases_event ({EVENT_COLUMNS}) "
        f"VALUES ({EVENT_VALUES.format(now=now)})",
        append_once=f"INSERT INTO leases_event ({EVENT_COLUMNS}) "
        f"SELECT {EVENT_VALUES.format(now=now)} WHERE NOT EXISTS (SELECT 1 FROM leases_event "
        "WHERE seat = %(seat)s AND kind = %(kind)s AND slot = %(slot)s "
        "AND generation = %(generation)s AND device = %(device)s AND reason = %(reason)s)",
    )


_row = SlotState._make


class SqlStore:
    def __init__(
        self, db: Database, offset: float = 0.0, clock: Callable[[], float] | None = None
    ) -> None:
        self.db = db
        self.offset = offset  # tests move the server's clock forward with it; 0 in production
        # Tests only: read the time from ``clock`` instead of the server (never in production:
        # instances with skewed clocks agree only on the database's).
        self.clock = clock
        self.sql = statements(db.vendor, pinned=clock is not None)

    @property
    def shift(self) -> float:
        """The ``shift`` parameter: added to the server's clock, or the pinned time."""
        return self.clock() if self.clock is not None else self.offset

    def read_seat(self, seat: int) -> tuple[float, list[SlotState]]:
        rows = self.db.fetch(self.sql.read, {"shift": self.shift, "seat": seat}, prepare=True)
        return float(rows[0][0]), [_row(r[1:]) for r in rows if r[1] is not None]

    def create_slots(self, seat: int, count: int) -> None:
        """In the caller's transaction (the engine's ``_write``), in slot order."""
        for slot in range(count):
            self.db.fetch(self.sql.create, {"seat": seat, "slot": slot})

    def claim(self, claim: Claim) -> SlotState | None:
        params = {
            "shift": self.shift,
            "seat": claim.seat,
            "slot": claim.slot,
            "seen": claim.seen,
            "device": claim.device,
            "reader": claim.reader,
            "ttl": claim.ttl,
            "idle": claim.idle,
            "only_if_vacant": int(claim.only_if_vacant),
            "stale_idle": claim.stale_idle,
        }
        return self._one(self.sql.claim, params)

    def renew(
        self, seat: int, slot: int, generation: int, device: str, idle: float, ttl: float
    ) -> SlotState | None:
        params = {"shift": self.shift, "seat": seat, "slot": slot, "ttl": ttl, "idle": idle}
        return self._one(self.sql.renew, params | {"generation": generation, "device": device})

    def vacate(self, seat: int, slot: int, generation: int, device: str) -> SlotState | None:
        params = {"seat": seat, "slot": slot, "generation": generation, "device": device}
        return self._one(self.sql.vacate, params)

    def vacate_where(
        self,
        *,
        seat: int | None = None,
        reader: int | None = None,
        device: str | None = None,
        from_slot: int = 0,
    ) -> list[SlotState]:
        given = {"seat": seat, "reader": reader, "device": device}
        params = {name: value for name, value in given.items() if value is not None}
        statement = self.sql.vacate_where[tuple(params)]
        return [_row(r) for r in self.db.fetch(statement, params | {"from_slot": from_slot})]

    def count_events(self, seat: int, kind: str, since: float, limit: int) -> int:
        params = {"seat": seat, "kind": kind, "since": since, "limit": limit}
        return int(self.db.fetch(self.sql.count_events, params)[0][0])

    def append(self, events: Sequence[Event]) -> None:
        for event in events:
            self.db.fetch(self.sql.append, self._event(event))

    def append_once(self, event: Event) -> None:
        self.db.fetch(self.sql.append_once, self._event(event))

    def atomic(self) -> AbstractContextManager[None]:
        return self.db.atomic()

    def _event(self, e: Event) -> dict[str, Any]:
        return {
            "shift": self.shift,
            "kind": e.kind,
            "seat": e.seat,
            "slot": e.slot,
            "generation": e.generation,
            "at": e.at,
            "device": e.device,
            "reader": e.reader,
            "from_device": e.from_device,
            "from_reader": e.from_reader,
            "idle_of_displaced": e.idle_of_displaced,
            "reason": e.reason,
        }

    def _one(self, sql: str, params: Mapping[str, Any]) -> SlotState | None:
        rows = self.db.fetch(sql, params)
        return _row(rows[0]) if rows else None
