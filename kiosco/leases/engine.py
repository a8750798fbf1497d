"""The lease engine: at most ``devices_per_seat`` devices reading on a seat at once.

Pure Python, no Django: a store (memory or SQL) and a notice hook are handed in, so a
simulation of thousands of readers can drive this very code in-process.

Race model, in plain words
--------------------------
* The store is the only authority. The engine reads a seat's slot rows together with
  the store's clock (the database server's for the SQL store, never the app's), decides,
  and then writes with a compare-and-set: "give slot S to me *if its generation is still
  the one I read*". The check and the write are one statement, so of two engines racing
  for the same slot exactly one write lands; the other changes nothing, sees ``None``
  and re-reads (bounded; then ``Refused("contended")``). A silent acquire then takes
  another vacancy or answers ``Busy``/``Displaced``; a takeover retries only against
  the holder it aimed at (the one in the reader's dialog): if another takeover won,
  it answers ``Busy(new holder)`` rather than displace someone the reader never saw.
* A silent claim also re-checks, in that same statement and by the store's clock, that
  the slot is still free, lapsed, or stale *for this claimer*: a live holder is only
  replaced silently when it has had no input for ``idle`` seconds and the claimer's
  own input is more recent (by ``INPUT_MARGIN``), so a renewal that landed in between
  keeps the slot, and two idle tabs never swap it back and forth.
* Every change of holder — acquire, takeover, release — bumps the slot's generation,
  the fencing token. Renewals and releases name the generation they hold; a writer
  with an older one (a paused process, an old tab) changes nothing and is refused.
* A unique (seat, slot) row and a unique held (seat, device) make a double holder
  impossible even if this file were wrong. Such a conflict (two tabs of one device
  racing for two free slots) is rolled back, logged on ``kiosco.leases``, counted in
  ``CONFLICTS``, and re-read: the device that holds a slot gets ``Held``. Any other
  integrity error is a bug and raises. Release paths retry a conflict.
* Slots past the seat's count (after a downgrade) are freed, with a notice and reason
  ``seat_shrunk``, by the first operation that reads the seat with the new count.
* Notices go to the ``notify`` hook, which the Django layer defers until commit.
* The takeover rate limit is counted from the event log before the write; racing
  takeovers may overshoot it by the number of racers (a soft limit, by design).
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from kiosco.leases import events
from kiosco.leases.results import (
    Acquired,
    Busy,
    Device,
    Displaced,
    Held,
    LeaseConflict,
    Notice,
    Notify,
    Policy,
    Refused,
    Released,
    Result,
    Seat,
    Token,
)
from kiosco.leases.results import Holder as Holder  # re-exported: callers import
from kiosco.leases.results import Lease as Lease  # every lease value from here
from kiosco.leases.stores import Claim, Event, LeaseStore, SlotState, StoreConflict

RACE_RETRIES = 3  # a loser re-reads at most this often before Refused("contended")
# Input counts as "more recent" only past this many seconds: the latency between the
# page's idle measure and the store's clock must not move a slot or cost a write.
INPUT_MARGIN = 1.0
CONFLICTS: Counter[str] = Counter()  # uniqueness conflicts per operation, since start
log = logging.getLogger("kiosco.leases")
T = TypeVar("T")


class _Conflict:
    """What ``_write`` answers when the store rolled back a uniqueness conflict."""


CONFLICT = _Conflict()


@dataclass
class Engine:
    """The operations. Time is always the store's (``now`` from ``read_seat``)."""

    store: LeaseStore
    policy: Policy = field(default_factory=Policy)
    notify: Notify = lambda notice: None
    sample: Callable[[], float] = random.random  # which renewals reach the event log

    # --- operations ----------------------------------------------------------------
    def check(self, seat: Seat, me: Device, token: Token | None = None) -> Result:
        """May this device read now? The page view and heartbeat call: ``acquire``."""
        return self.acquire(seat, me, token)

    def acquire(self, seat: Seat, me: Device, token: Token | None = None) -> Result:
        """Held when this device holds a slot (renewed first when ``_due``: every
        operation records the input it reports); else take a free, lapsed or stale
        slot without asking anyone; otherwise Busy, or Displaced when ``token`` shows
        this device lost its slot to the holder."""
        now, rows = self._read(seat)
        return self._acquire(seat, me, token, now, rows)

    def take_over(self, seat: Seat, me: Device, token: Token | None = None) -> Result:
        """The explicit "continue here": a vacancy if there is one, else displace the
        holder idle longest — within the seat's takeover rate limit. A retry after a
        lost race aims only at the same holder (see the race model)."""
        aimed_at: str | None = None
        for _ in range(RACE_RETRIES):
            now, rows = self._read(seat)
            if not rows:
                return Refused("no_slots")
            found = self._acquire_silently(me, now, rows)
            if found is not None:
                return found
            if not (held := [r for r in rows if r.is_live(now)]):
                continue  # every vacancy went to racers, and they left again: re-read
            victim = self._victim(held)
            if aimed_at is not None and victim.device != aimed_at:
                return self._shown(seat.id, me, now, Busy(victim.holder(), victim.since()))
            aimed_at = victim.device
            if self._over_limit(seat, now):
                return self._refuse(seat.id, me, now, "rate_limited")
            result = self._claim(victim, me, now, took_over=True)
            if result is not None:
                return result
        return Refused("contended")

    def renew(self, token: Token, me: Device, slots: int | None = None) -> Result:
        """Extend the lease this token names, by exactly its generation. Refused when
        that generation is stale or the lease lapsed (even if nobody took the slot:
        a paused process must not wake up holding); Displaced when the slot went from
        this very lease to another device. With the seat's current ``slots``, a lease
        on a slot past the count (a downgrade) is not renewed: the answer is ``check``'s,
        which frees that slot first."""
        if slots is not None and token.slot >= slots:
            return self.check(Seat(token.seat, slots), me, token)
        row = self._renew(token, me)
        if row is not None:
            return Held(row.lease())
        return self._why_not_renewed(token, me)

    def release(self, token: Token, reason: str = "released") -> Released | Refused:
        """The holder lets go (page hidden or closed). Fenced like ``renew``."""

        def vacate() -> SlotState | None:
            row = self.store.vacate(token.seat, token.slot, token.generation, token.device)
            if row is not None:
                self.store.append([events.released(row, reason)])
            return row

        row = self._write_or_raise("release", vacate)
        return Refused("stale_generation") if row is None else Released(1)

    def release_all(self, reader: int, reason: str) -> Released:
        """Password change, account deletion: every slot any device of ``reader`` holds."""
        return self._release_where(reason, reader=reader)

    def release_device(self, reader: int, device: str, reason: str) -> Released:
        return self._release_where(reason, reader=reader, device=device)

    def release_seat(self, seat: int, reason: str) -> Released:
        """Seat revoked or subscription ended: every slot of the seat."""
        return self._release_where(reason, seat=seat)

    # --- reading -------------------------------------------------------------------
    def _read(self, seat: Seat) -> tuple[float, list[SlotState]]:
        """The store's time and slots ``0..slots-1``; held slots past them freed first."""
        now, rows = self.store.read_seat(seat.id)
        if len(rows) < seat.slots:  # first use of the seat, or more slots since
            self.store.create_slots(seat.id, seat.slots)
            now, rows = self.store.read_seat(seat.id)
        if len(rows) == seat.slots and (not rows or rows[-1].slot < seat.slots):
            return now, rows  # the usual case: rows 0..slots-1 and nothing past them
        if extra := [row for row in rows if row.slot >= seat.slots and row.device is not None]:
            self._free(extra, "seat_shrunk")
            now, rows = self.store.read_seat(seat.id)
        return now, [row for row in rows if row.slot < seat.slots]

    def _mine(self, rows: Sequence[SlotState], me: Device, now: float) -> SlotState | None:
        return next((r for r in rows if r.device == me.device and r.is_live(now)), None)

    def _due(self, mine: SlotState, me: Device, now: float) -> bool:
        """Does this check write? When less than half the TTL is left, or when the
        stored input is older than half the idle limit and the reader reports newer
        input: a reader at its heartbeat is then never judged stale by a claimer, and
        an active reader still costs about one write per half TTL."""
        assert mine.expires_at is not None and mine.input_at is not None
        if mine.expires_at - now < self.policy.ttl / 2:
            return True
        old = mine.input_at < now - self.policy.idle / 2
        return old and now - me.idle > mine.input_at + INPUT_MARGIN

    def _stale_idle(self, me: Device) -> float:
        """The idle at which a holder's slot is vacant for ``me``: past the idle limit,
        and idle for longer than ``me`` (so two idle tabs never swap a slot)."""
        return max(self.policy.idle, me.idle + INPUT_MARGIN)

    def _vacancies(self, rows: Sequence[SlotState], me: Device, now: float) -> list[SlotState]:
        """Free, lapsed or stale-for-me slots in the order to try them: this device's
        own lapsed row first (the unique (seat, device) forbids it a second one), then
        free, then lapsed, then the longest idle."""
        vacant = [r for r in rows if r.is_vacant(now, self._stale_idle(me))]
        return sorted(
            vacant,
            key=lambda r: (
                r.device != me.device,
                r.device is not None,
                r.is_live(now),
                r.input_at or 0.0,
                r.slot,
            ),
        )

    def _victim(self, rows: Sequence[SlotState]) -> SlotState:
        """The holder a takeover displaces: the one idle longest."""
        return min(rows, key=lambda r: (r.input_at or 0.0, r.slot))

    # --- acquiring -----------------------------------------------------------------
    def _acquire(
        self, seat: Seat, me: Device, token: Token | None, now: float, rows: list[SlotState]
    ) -> Result:
        if not rows:
            return Refused("no_slots")
        for _ in range(RACE_RETRIES):
            found = self._acquire_silently(me, now, rows)
            if found is not None:
                return found
            if self._mine(rows, me, now) is None and not self._vacancies(rows, me, now):
                return self._busy(seat, rows, me, token, now)
            now, rows = self._read(seat)  # lost every race for a vacancy: look again
        return Refused("contended")

    def _acquire_silently(
        self, me: Device, now: float, rows: list[SlotState]
    ) -> Acquired | Held | Refused | None:
        if (mine := self._mine(rows, me, now)) is not None:
            return self._held(mine, me, now)  # None: it lapsed meanwhile, so re-read
        for row in self._vacancies(rows, me, now):
            result = self._claim(row, me, now, took_over=False)
            if result is not None:
                return result
        return None

    def _held(self, mine: SlotState, me: Device, now: float) -> Held | None:
        """Held, renewed first when ``_due``; ``None`` if it lapsed or moved meanwhile."""
        if not self._due(mine, me, now):
            return Held(mine.lease())
        renewed = self._renew(mine.lease().token, me)
        return None if renewed is None else Held(renewed.lease())

    def _claim(
        self, row: SlotState, me: Device, now: float, *, took_over: bool
    ) -> Acquired | Refused | None:
        """One compare-and-set on ``row``; ``None`` when another writer got there first
        (or a uniqueness conflict rolled it back): the caller re-reads."""
        claim = Claim(
            seat=row.seat,
            slot=row.slot,
            seen=row.generation,
            device=me.device,
            reader=me.reader,
            idle=me.idle,
            ttl=self.policy.ttl,
            only_if_vacant=not took_over,
            stale_idle=self._stale_idle(me),
        )

        def write() -> SlotState | None:
            new = self.store.claim(claim)
            if new is not None:
                self.store.append(events.claimed(row, new, now, took_over=took_over))
            return new

        new = self._write("claim", write)
        if new is None or isinstance(new, _Conflict):
            return None
        if row.device in (None, me.device):
            return Acquired(new.lease())
        reason = "taken_over" if took_over else "replaced_stale"
        self.notify(Notice(new.seat, new.slot, new.generation, row.device, me.device, reason))
        return Acquired(new.lease(), row.holder(), took_over=took_over)

    # --- refusing ------------------------------------------------------------------
    def _displaced(self, row: SlotState, token: Token, now: float) -> Displaced | None:
        """``Displaced`` only to the device this slot was taken from, under exactly
        the generation it held, while the taker still holds it."""
        moved_once = row.generation == token.generation + 1 and row.slot == token.slot
        if row.seat != token.seat or not moved_once or row.previous_device != token.device:
            return None
        if row.device in (None, token.device) or not row.is_live(now):
            return None
        return Displaced(row.holder(), row.since())

    def _busy(
        self, seat: Seat, rows: Sequence[SlotState], me: Device, token: Token | None, now: float
    ) -> Result:
        answer: Busy | Displaced | None = None
        if token is not None and token.device == me.device and token.seat == seat.id:
            row = next((r for r in rows if r.slot == token.slot), None)
            answer = None if row is None else self._displaced(row, token, now)
        if answer is None:
            victim = self._victim(rows)
            answer = Busy(victim.holder(), victim.since())
        return self._shown(seat.id, me, now, answer)

    def _why_not_renewed(self, token: Token, me: Device) -> Result:
        now, rows = self.store.read_seat(token.seat)
        row = next((r for r in rows if r.slot == token.slot), None)
        if row is not None and (row.generation, row.device) == (token.generation, token.device):
            return self._refuse(token.seat, me, now, "expired", token.slot)
        if row is not None and (shown := self._displaced(row, token, now)) is not None:
            return self._shown(token.seat, me, now, shown)
        return self._refuse(token.seat, me, now, "stale_generation", token.slot)

    def _refuse(self, seat: int, me: Device, now: float, reason: str, slot: int = -1) -> Refused:
        self._log(events.refused(seat, slot, me, now, reason))
        return Refused(reason)

    def _shown(self, seat: int, me: Device, now: float, answer: Busy | Displaced) -> Result:
        """The dialog this answer opens goes to the log too: sharing detection reads it."""
        self._log(events.shown(seat, me, now, answer))
        return answer

    def _log(self, event: Event) -> None:
        self._write("log", lambda: self.store.append([event]))

    def _over_limit(self, seat: Seat, now: float) -> bool:
        since, limit = now - self.policy.takeover_window, self.policy.takeovers
        return self.store.count_events(seat.id, "taken_over", since, limit) >= limit

    # --- releasing -----------------------------------------------------------------
    def _release_where(self, reason: str, **where: int | str) -> Released:
        def vacate() -> list[SlotState]:
            rows = self.store.vacate_where(**where)  # type: ignore[arg-type]
            if rows:
                self.store.append([events.released(row, reason) for row in rows])
            return rows

        rows = self._write_or_raise("release", vacate)
        self._tell(rows, reason)
        return Released(len(rows))

    def _free(self, rows: Sequence[SlotState], reason: str) -> None:
        """Free these held rows, each fenced by the generation read (a row that moved
        since is someone else's business now)."""
        for row in rows:
            new = self._write("release", lambda row=row: self._vacate(row, reason))  # type: ignore[misc]
            if new is not None and not isinstance(new, _Conflict):
                self._tell([new], reason)

    def _vacate(self, row: SlotState, reason: str) -> SlotState | None:
        assert row.device is not None
        new = self.store.vacate(row.seat, row.slot, row.generation, row.device)
        if new is not None:
            self.store.append([events.released(new, reason)])
        return new

    def _tell(self, freed: Sequence[SlotState], reason: str) -> None:
        for row in freed:
            assert row.previous_device is not None
            self.notify(
                Notice(row.seat, row.slot, row.generation, row.previous_device, None, reason)
            )

    # --- writing -------------------------------------------------------------------
    def _write(self, operation: str, write: Callable[[], T]) -> T | _Conflict:
        """``write`` in one store transaction. A uniqueness conflict rolls it back and
        answers ``CONFLICT`` (logged and counted: it means two writers raced)."""
        try:
            with self.store.atomic():
                return write()
        except StoreConflict as error:
            CONFLICTS[operation] += 1
            log.warning("lease %s: uniqueness conflict, rolled back: %s", operation, error)
            return CONFLICT

    def _write_or_raise(self, operation: str, write: Callable[[], T]) -> T:
        """Release paths retry a conflict: a password change must not leave a lease."""
        for _ in range(RACE_RETRIES):
            result = self._write(operation, write)
            if not isinstance(result, _Conflict):
                return result
        raise LeaseConflict(f"lease {operation}: lost {RACE_RETRIES} uniqueness races")

    def _renew(self, token: Token, me: Device) -> SlotState | None:
        """The fenced renewal write (a sampled ``renewed`` line with it)."""

        def write() -> SlotState | None:
            row = self.store.renew(
                token.seat, token.slot, token.generation, token.device, me.idle, self.policy.ttl
            )
            if row is not None and self.sample() < self.policy.renew_sample:
                self.store.append([events.line("renewed", row, None)])
            return row

        row = self._write("renew", write)
        return None if isinstance(row, _Conflict) else row
