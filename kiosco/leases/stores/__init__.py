"""What the lease engine needs from a store, and the rows it trades in.

Pure Python (no Django): the engine and both stores share these types. A store keeps
one row per (seat, slot) and answers with *its* clock — the database server's for the
SQL store — so every engine instance reading the same store agrees on time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from kiosco.leases.results import Holder, Lease


class StoreConflict(Exception):
    """A write hit a uniqueness guard (another writer got there first); the store's
    transaction was rolled back. The engine logs it and re-reads; it never reaches a
    caller. Only uniqueness violations become this: any other integrity error is a
    bug and propagates as itself."""


class StoreRace(Exception):
    """The database gave up on a transaction because another one raced it: a deadlock
    was broken, or a serialization failure under REPEATABLE READ (or stricter). The
    store's transaction was rolled back; the engine answers it like any lost race —
    re-read, bounded — and it never reaches a caller."""


class SlotState(NamedTuple):
    """One lease slot as the store last saw it. ``device is None`` means free.
    (A tuple, not a dataclass: one is built per row on every page view's check.)"""

    seat: int
    slot: int
    generation: int
    device: str | None = None
    reader: int | None = None
    acquired_at: float | None = None
    expires_at: float | None = None
    input_at: float | None = None
    previous_device: str | None = None
    previous_generation: int | None = None  # the generation just before this one

    def is_live(self, now: float) -> bool:
        return self.device is not None and self.expires_at is not None and self.expires_at > now

    def is_stale(self, now: float, idle_limit: float) -> bool:
        """Held, but nobody touched the device for longer than ``idle_limit``."""
        return self.input_at is not None and self.input_at <= now - idle_limit

    def is_vacant(self, now: float, idle_limit: float) -> bool:
        """Free, lapsed or stale: a new device may take it without asking."""
        return not self.is_live(now) or self.is_stale(now, idle_limit)

    def idle(self, now: float) -> float:
        return now - self.input_at if self.input_at is not None else 0.0

    def lease(self) -> Lease:
        assert self.device is not None and self.reader is not None
        assert self.expires_at is not None
        return Lease(
            self.seat, self.slot, self.generation, self.device, self.reader, self.expires_at
        )

    def holder(self) -> Holder:
        assert self.device is not None and self.reader is not None
        return Holder(self.device, self.reader)

    def since(self) -> float:
        """When the holder took the slot."""
        assert self.acquired_at is not None  # set with every holder
        return self.acquired_at


@dataclass(frozen=True)
class Claim:
    """A compare-and-set: give slot (seat, slot) to ``device`` if its generation is
    still ``seen`` (and, when ``only_if_vacant``, if it is still free, lapsed, or held
    by a device idle for at least ``stale_idle`` seconds, by the store's clock at the
    moment of writing). The engine sets ``stale_idle`` past both its idle limit and
    the claimer's own idle: a silent claim never takes a slot from a holder whose
    input is more recent than the claimer's. Build it with keywords."""

    seat: int
    slot: int
    seen: int
    device: str
    reader: int
    idle: float
    ttl: float
    only_if_vacant: bool
    stale_idle: float


@dataclass(frozen=True)
class Event:
    """One line of the lease event log (see CONTEXT.md for the kinds)."""

    kind: str
    seat: int
    slot: int
    generation: int
    at: float | None  # None: the store's clock when it writes the line
    device: str | None = None
    reader: int | None = None
    from_device: str | None = None
    from_reader: int | None = None
    idle_of_displaced: float | None = None
    reason: str = ""


class LeaseStore(Protocol):
    def read_seat(self, seat: int) -> tuple[float, list[SlotState]]:
        """The store's time now and the seat's slot rows, in one round trip."""

    def create_slots(self, seat: int, count: int) -> None:
        """Make sure rows 0..count-1 exist (free, generation 0: never a holder's)."""

    def claim(self, claim: Claim) -> SlotState | None:
        """Compare-and-set; ``None`` when the slot changed since it was read."""

    def renew(
        self, seat: int, slot: int, generation: int, device: str, idle: float, ttl: float
    ) -> SlotState | None:
        """Extend a live lease held under exactly this generation; ``None`` otherwise."""

    def vacate(self, seat: int, slot: int, generation: int, device: str) -> SlotState | None:
        """Free one slot held under exactly this generation; returns the new row."""

    def vacate_where(
        self,
        *,
        seat: int | None = None,
        reader: int | None = None,
        device: str | None = None,
        from_slot: int = 0,
    ) -> list[SlotState]:
        """Free every held slot matching the filters (and numbered ``from_slot`` or
        more); returns the new rows, whose ``previous_device`` names the device that
        held each. Rows are locked in (seat, slot) order, like every writer's."""

    def count_events(self, seat: int, kind: str, since: float, limit: int) -> int:
        """How many ``kind`` lines the seat has since then, counting up to ``limit``."""

    def append(self, events: Sequence[Event]) -> None: ...

    def append_once(self, event: Event) -> None:
        """Append unless the seat's log has a line of this kind for the same device,
        slot, generation and reason already (one line per episode, not per call)."""

    def atomic(self) -> AbstractContextManager[None]:
        """One transaction; a uniqueness violation inside leaves as ``StoreConflict``,
        a deadlock or serialization failure as ``StoreRace``."""


def iter_held(slots: Sequence[SlotState]) -> Iterator[SlotState]:
    return (slot for slot in slots if slot.device is not None)
