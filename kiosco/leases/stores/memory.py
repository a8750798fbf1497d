"""The in-memory lease store: unit tests and in-process simulations.

Same contract as the SQL store, with a lock standing in for the database's row locks
and an injectable clock standing in for the database server's. Rows are kept per
seat, so a simulation of thousands of readers costs no more per call than a few.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from kiosco.leases.stores import Claim, Event, SlotState, StoreConflict


class MemoryStore:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.seats: dict[int, dict[int, SlotState]] = defaultdict(dict)
        self.generations = itertools.count(1)  # one counter for every slot, as in SQL
        self.events: list[Event] = []
        self._event_times: dict[tuple[int, str], list[float]] = defaultdict(list)
        self._logged: set[tuple[object, ...]] = set()  # what append_once compares
        self._lock = threading.RLock()

    def read_seat(self, seat: int) -> tuple[float, list[SlotState]]:
        with self._lock:
            return self.clock(), sorted(self.seats.get(seat, {}).values())

    def create_slots(self, seat: int, count: int) -> None:
        with self._lock:
            rows = self.seats[seat]
            for slot in range(count):
                if slot not in rows:
                    rows[slot] = SlotState(seat, slot, 0)

    def delete_seat(self, seat: int) -> None:
        """What a DELETE does in SQL: the rows go, the generation counter stays."""
        with self._lock:
            self.seats.pop(seat, None)

    def claim(self, claim: Claim) -> SlotState | None:
        with self._lock:
            rows, now = self.seats.get(claim.seat, {}), self.clock()
            row = rows.get(claim.slot)
            if row is None or row.generation != claim.seen:
                return None
            if claim.only_if_vacant and not row.is_vacant(now, claim.stale_idle):
                return None
            if any(r.device == claim.device and r.slot != claim.slot for r in rows.values()):
                raise StoreConflict("this device already holds another slot of the seat")
            rows[claim.slot] = new = row._replace(
                generation=next(self.generations),
                previous_generation=row.generation,
                device=claim.device,
                reader=claim.reader,
                acquired_at=now,
                expires_at=now + claim.ttl,
                input_at=now - claim.idle,
                previous_device=row.device,
            )
            return new

    def renew(
        self, seat: int, slot: int, generation: int, device: str, idle: float, ttl: float
    ) -> SlotState | None:
        with self._lock:
            row, now = self.seats.get(seat, {}).get(slot), self.clock()
            if row is None or (row.generation, row.device) != (generation, device):
                return None
            if not row.is_live(now):
                return None
            input_at = max(row.input_at or 0.0, now - idle)
            self.seats[seat][slot] = new = row._replace(expires_at=now + ttl, input_at=input_at)
            return new

    def vacate(self, seat: int, slot: int, generation: int, device: str) -> SlotState | None:
        with self._lock:
            row = self.seats.get(seat, {}).get(slot)
            if row is None or (row.generation, row.device) != (generation, device):
                return None
            return self._free(row)

    def vacate_where(
        self,
        *,
        seat: int | None = None,
        reader: int | None = None,
        device: str | None = None,
        from_slot: int = 0,
    ) -> list[SlotState]:
        with self._lock:
            seats = [self.seats.get(seat, {})] if seat is not None else self.seats.values()
            return [
                self._free(row)
                for rows in list(seats)
                for row in list(rows.values())
                if row.device is not None
                and row.slot >= from_slot
                and (reader is None or row.reader == reader)
                and (device is None or row.device == device)
            ]

    def _free(self, row: SlotState) -> SlotState:
        new = SlotState(
            row.seat,
            row.slot,
            next(self.generations),
            previous_device=row.device,
            previous_generation=row.generation,
        )
        self.seats[row.seat][row.slot] = new
        return new

    def count_events(self, seat: int, kind: str, since: float, limit: int) -> int:
        with self._lock:
            times = self._event_times.get((seat, kind), [])
            return min(limit, sum(1 for at in reversed(times[-limit:]) if at > since))

    def append(self, events: Sequence[Event]) -> None:
        with self._lock:
            now = self.clock()
            for event in events:
                event = event if event.at is not None else replace(event, at=now)
                self.events.append(event)
                self._logged.add(_once_key(event))
                self._event_times[(event.seat, event.kind)].append(event.at or now)

    def append_once(self, event: Event) -> None:
        with self._lock:
            if _once_key(event) not in self._logged:
                self.append([event])

    @contextmanager
    def atomic(self) -> Iterator[None]:
        # Each method is atomic under the lock; holding it across a claim and its
        # events keeps the log in the order the slots changed.
        with self._lock:
            yield


def _once_key(e: Event) -> tuple[object, ...]:
    return (e.seat, e.kind, e.slot, e.generation, e.device, e.reason)
