"""The in-memory lease store: unit tests and in-process simulations.

Same contract as the SQL store, with a lock standing in for the database's row locks
and an injectable clock standing in for the database server's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from kiosco.leases.stores import Claim, Event, SlotState, StoreConflict


class MemoryStore:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.rows: dict[tuple[int, int], SlotState] = {}
        self.high_water: dict[tuple[int, int], int] = {}
        self.events: list[Event] = []
        self._lock = threading.RLock()

    def read_seat(self, seat: int) -> tuple[float, list[SlotState]]:
        with self._lock:
            rows = sorted((r for (s, _), r in self.rows.items() if s == seat), key=lambda r: r.slot)
            return self.clock(), rows

    def create_slots(self, seat: int, count: int) -> None:
        with self._lock:
            for slot in range(count):
                start = self.high_water.get((seat, slot), 0)
                self.rows.setdefault((seat, slot), SlotState(seat, slot, start))

    def delete_seat(self, seat: int) -> None:
        """What a DELETE does in SQL: the generation survives as a high-water mark."""
        with self._lock:
            for key in [key for key in self.rows if key[0] == seat]:
                self.high_water[key] = self.rows.pop(key).generation

    def claim(self, claim: Claim) -> SlotState | None:
        with self._lock:
            row, now = self.rows.get((claim.seat, claim.slot)), self.clock()
            if row is None or row.generation != claim.seen:
                return None
            if claim.only_if_vacant and not row.is_vacant(now, claim.idle_limit):
                return None
            if any(
                r.device == claim.device and r.slot != claim.slot
                for (s, _), r in self.rows.items()
                if s == claim.seat
            ):
                raise StoreConflict("this device already holds another slot of the seat")
            new = row._replace(
                generation=row.generation + 1,
                device=claim.device,
                reader=claim.reader,
                acquired_at=now,
                expires_at=now + claim.ttl,
                input_at=now - claim.idle,
                previous_device=row.device,
            )
            self.rows[(claim.seat, claim.slot)] = new
            return new

    def renew(
        self, seat: int, slot: int, generation: int, device: str, idle: float, ttl: float
    ) -> SlotState | None:
        with self._lock:
            row, now = self.rows.get((seat, slot)), self.clock()
            if row is None or (row.generation, row.device) != (generation, device):
                return None
            if not row.is_live(now):
                return None
            new = row._replace(expires_at=now + ttl, input_at=max(row.input_at or 0, now - idle))
            self.rows[(seat, slot)] = new
            return new

    def vacate(self, seat: int, slot: int, generation: int, device: str) -> SlotState | None:
        with self._lock:
            row = self.rows.get((seat, slot))
            if row is None or (row.generation, row.device) != (generation, device):
                return None
            return self._free(row)

    def vacate_where(
        self, *, seat: int | None = None, reader: int | None = None, device: str | None = None
    ) -> list[SlotState]:
        with self._lock:
            return [
                self._free(row)
                for row in list(self.rows.values())
                if row.device is not None
                and (seat is None or row.seat == seat)
                and (reader is None or row.reader == reader)
                and (device is None or row.device == device)
            ]

    def _free(self, row: SlotState) -> SlotState:
        new = SlotState(row.seat, row.slot, row.generation + 1, previous_device=row.device)
        self.rows[(row.seat, row.slot)] = new
        return new

    def count_events(self, seat: int, kind: str, since: float, limit: int) -> int:
        with self._lock:
            recent = [e for e in self.events if (e.seat, e.kind) == (seat, kind)]
            return min(limit, sum(1 for e in recent if (e.at or 0.0) > since))

    def append(self, events: Sequence[Event]) -> None:
        with self._lock:
            now = self.clock()
            self.events.extend(e if e.at is not None else replace(e, at=now) for e in events)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        # Each method is atomic under the lock; holding it across a claim and its
        # events keeps the log in the order the slots changed.
        with self._lock:
            yield
