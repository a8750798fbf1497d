"""The SQL lease store: the database is the lease authority (SQLite or PostgreSQL).

Every write is one statement whose WHERE clause is the compare-and-set, and every
time comes from the database server's clock (``NOW`` below), so app instances with
skewed clocks agree. The statements go through a tiny ``Database`` adapter: Django's
connection in the app (``connections.py``), bare psycopg or sqlite3 connections in
the multi-process tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from functools import cache
from typing import Any, Protocol

from kiosco.leases.stores import Claim, Event, SlotState

# The server's clock, in seconds since the epoch, plus a shift tests use to move time.
NOW = {
    "sqlite": "(julianday('now') - 2440587.5) * 86400.0 + %s",
    "postgresql": "EXTRACT(EPOCH FROM clock_timestamp())::float8 + %s",
}
GREATEST = {"sqlite": "max", "postgresql": "GREATEST"}
COLUMNS = (
    "seat, slot, generation, device, reader, acquired_at, expires_at, input_at, previous_device"
)


class Database(Protocol):
    vendor: str

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]: ...

    def atomic(self) -> AbstractContextManager[None]: ...


@cache
def statements(vendor: str) -> dict[str, str]:
    """The store's SQL for one database, each statement starting from ``clock(now)``."""
    clock = f"WITH clock(now) AS (SELECT {NOW[vendor]}) "
    now = "(SELECT now FROM clock)"
    return {
        "read": f"{clock}SELECT clock.now, {COLUMNS} FROM clock "
        "LEFT JOIN leases_slot ON seat = %s ORDER BY slot",
        "create": "INSERT INTO leases_slot (seat, slot, generation) VALUES (%s, %s, "
        "COALESCE((SELECT generation FROM leases_high_water WHERE seat = %s AND slot = %s), 0)) "
        "ON CONFLICT (seat, slot) DO NOTHING",
        # The compare-and-set. The loser's UPDATE matches no row (the generation moved,
        # or the holder became active again) and it reads an empty RETURNING. The last
        # parameter is the claim's stale_idle: past the idle limit AND the claimer's
        # own idle, so a live holder is replaced silently only by newer input.
        "claim": f"{clock}UPDATE leases_slot SET generation = generation + 1, "
        f"device = %s, reader = %s, acquired_at = {now}, expires_at = {now} + %s, "
        f"input_at = {now} - %s, previous_device = device "
        "WHERE seat = %s AND slot = %s AND generation = %s "
        f"AND (%s = 0 OR device IS NULL OR expires_at <= {now} OR input_at <= {now} - %s) "
        f"RETURNING {COLUMNS}",
        "renew": f"{clock}UPDATE leases_slot SET expires_at = {now} + %s, "
        f"input_at = {GREATEST[vendor]}(input_at, {now} - %s) "
        f"WHERE seat = %s AND slot = %s AND generation = %s AND device = %s AND expires_at > {now} "
        f"RETURNING {COLUMNS}",
        "vacate": "UPDATE leases_slot SET generation = generation + 1, previous_device = device, "
        "device = NULL, reader = NULL, acquired_at = NULL, expires_at = NULL, input_at = NULL "
        "WHERE seat = %s AND slot = %s AND generation = %s AND device = %s "
        f"RETURNING {COLUMNS}",
        # One text per filter (seat; reader; reader and device), so each uses its index.
        **{
            f"vacate_where:{','.join(names)}": "UPDATE leases_slot SET "
            "generation = generation + 1, previous_device = device, device = NULL, "
            "reader = NULL, acquired_at = NULL, expires_at = NULL, input_at = NULL "
            f"WHERE device IS NOT NULL AND {' AND '.join(f'{n} = %s' for n in names)} "
            f"RETURNING {COLUMNS}"
            for names in (("seat",), ("reader",), ("reader", "device"))
        },
        # Counts no further than the limit, so a busy seat's long log costs nothing.
        "count": "SELECT COUNT(*) FROM (SELECT 1 FROM leases_event "
        "WHERE seat = %s AND kind = %s AND at > %s LIMIT %s) AS recent",
        "append": f"{clock}INSERT INTO leases_event (kind, seat, slot, generation, at, device, "
        "reader, from_device, from_reader, idle_of_displaced, reason) "
        f"VALUES (%s, %s, %s, %s, COALESCE(%s, {now}), %s, %s, %s, %s, %s, %s)",
    }


_row = SlotState._make


class SqlStore:
    def __init__(self, db: Database, offset: float = 0.0) -> None:
        self.db = db
        self.offset = offset  # tests move the server's clock forward with it; 0 in production
        self.sql = statements(db.vendor)

    def read_seat(self, seat: int) -> tuple[float, list[SlotState]]:
        rows = self.db.fetch(self.sql["read"], [self.offset, seat])
        return float(rows[0][0]), [_row(r[1:]) for r in rows if r[1] is not None]

    def create_slots(self, seat: int, count: int) -> None:
        with self.db.atomic():
            for slot in range(count):
                self.db.fetch(self.sql["create"], [seat, slot, seat, slot])

    def claim(self, claim: Claim) -> SlotState | None:
        params = [
            self.offset,
            claim.device,
            claim.reader,
            claim.ttl,
            claim.idle,
            claim.seat,
            claim.slot,
            claim.seen,
            int(claim.only_if_vacant),
            claim.stale_idle,
        ]
        return self._one("claim", params)

    def renew(
        self, seat: int, slot: int, generation: int, device: str, idle: float, ttl: float
    ) -> SlotState | None:
        return self._one("renew", [self.offset, ttl, idle, seat, slot, generation, device])

    def vacate(self, seat: int, slot: int, generation: int, device: str) -> SlotState | None:
        return self._one("vacate", [seat, slot, generation, device])

    def vacate_where(
        self, *, seat: int | None = None, reader: int | None = None, device: str | None = None
    ) -> list[SlotState]:
        given = {"seat": seat, "reader": reader, "device": device}
        names = [name for name, value in given.items() if value is not None]
        statement = self.sql[f"vacate_where:{','.join(names)}"]
        return [_row(r) for r in self.db.fetch(statement, [given[n] for n in names])]

    def count_events(self, seat: int, kind: str, since: float, limit: int) -> int:
        return int(self.db.fetch(self.sql["count"], [seat, kind, since, limit])[0][0])

    def append(self, events: Sequence[Event]) -> None:
        for e in events:
            self.db.fetch(
                self.sql["append"],
                [
                    self.offset,
                    e.kind,
                    e.seat,
                    e.slot,
                    e.generation,
                    e.at,
                    e.device,
                    e.reader,
                    e.from_device,
                    e.from_reader,
                    e.idle_of_displaced,
                    e.reason,
                ],
            )

    def atomic(self) -> AbstractContextManager[None]:
        return self.db.atomic()

    def _one(self, name: str, params: Sequence[Any]) -> SlotState | None:
        rows = self.db.fetch(self.sql[name], params)
        return _row(rows[0]) if rows else None
