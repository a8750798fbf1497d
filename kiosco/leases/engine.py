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
* Two clocks, both the store's. The *read's* time decides (who is live, stale, whom
  to aim at). The *write's* time stamps: a claim's ``acquired_at``/``expires_at``/
  ``input_at``, a renewal's expiry and every line of the log are the store's clock
  once the write holds its row lock (``stores/sql.py``), so a write that waited
  behind a lock never hands out a lease that is already over. A write's WHERE
  re-checks, by that clock, that the slot is still free, lapsed, or stale *for this
  claimer* (no input for ``idle`` seconds, and older than the claimer's own input by
  ``INPUT_MARGIN``): a renewal that landed in between keeps the slot, and two idle
  tabs never swap it back and forth. Those conditions only become truer with time,
  so one judged a moment early can refuse a write, never wrongly grant one.
* Every change of holder — acquire, takeover, release — gives the slot a new
  generation, the fencing token, from one counter the store never hands out twice
  (not after a delete, a ``flush`` or a ``TRUNCATE``). Renewals and releases name the
  generation they hold; a writer with an older one (a paused process, an old tab)
  changes nothing and is refused.
* A unique (seat, slot) row and a unique held (seat, device) make a double holder
  impossible even if this file were wrong. Such a conflict (two tabs of one device
  racing for two free slots) is rolled back, logged on ``kiosco.leases``, counted in
  ``CONFLICTS``, and re-read: the device that holds a slot gets ``Held``. Any other
  integrity error is a bug and raises.
* Deadlocks and serialization failures are lost races too. Writers lock rows in
  (seat, slot) order, which rules out deadlocks between release paths; a claim can
  still wait on another row's entry in the one-slot-per-device index, and under
  REPEATABLE READ a row changed since the snapshot cannot be written. The database
  rolls the loser back, the store says ``StoreRace``, the engine counts it in
  ``RACES`` and re-reads, bounded, on every operation: nothing reaches a caller.
  Release paths retry longer (``RELEASE_RETRIES``): a password change must not
  leave a lease; if every retry loses they answer ``Refused("contended")``.
* Slots past the seat's count (a downgrade) are freed, with a notice and reason
  ``seat_shrunk``, by ``shrink`` when the plan changes — and, should a change ever
  skip it, by the first operation that reads the seat with the new count.
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
from kiosco.leases.events import LeaseTag
from kiosco.leases.releasing import RACES, Releasing
from kiosco.leases.results import (
    Acquired,
    Busy,
    Device,
    Displaced,
    Held,
    Notice,
    Notify,
    Policy,
    Refused,
    Result,
    Seat,
    Token,
)
from kiosco.leases.results import Holder as Holder  # re-exported: callers import
from kiosco.leases.results import Lease as Lease  # every lease value from here
from kiosco.leases.results import Released as Released
from kiosco.leases.stores import Claim, Event, LeaseStore, SlotState, StoreConflict, StoreRace

RACE_RETRIES = 3  # a loser re-reads at most this often before Refused("contended")
# Input counts as "more recent" only past this many seconds: the latency between the
# page's idle measure and the store's clock must not move a slot or cost a write.
INPUT_MARGIN = 1.0
CONFLICTS: Counter[str] = Counter()  # uniqueness conflicts per operation, since start
log = logging.getLogger("kiosco.leases")
T = TypeVar("T")


@dataclass
class Engine(Releasing):
    """The operations. Time is always the store's (``now`` from ``read_seat``)."""

    store: LeaseStore
    policy: Policy = field(default_factory=Policy)
    notify: Notify = lambda notice: None
    sample: Callable[[], float] = random.random  # which renewals reach the event log

    # --- operations ----------------------------------------------------------------
    def acquire(self, seat: Seat, me: Device, token: Token | None = None) -> Result:
        """Held when this device holds a slot (renewed first when ``_due``: every
        operation records the input it reports); else take a free, lapsed or stale
        slot without asking anyone; otherwise Busy, or Displaced when ``token`` shows
        this device lost its slot to the holder."""
        for _ in range(RACE_RETRIES):
            now, rows = self._read(seat)
            if not rows:
                return Refused("no_slots")
            found = self._acquire_silently(me, now, rows)
            if found is not None:
                return found
            if self._mine(rows, me, now) is None and not self._vacancies(rows, me, now):
                return self._busy(seat, rows, me, token, now)
        return Refused("contended")  # lost every race for a vacancy

    check = acquire  # the page view and the heartbeat

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
                return self._shown(seat.id, me, now, Busy(victim.holder(), victim.since()), victim)
            aimed_at = victim.device
            if self._over_limit(seat, now):
                return self._refuse(seat.id, me, now, "rate_limited")
            result = self._claim(victim, me, took_over=True)
            if result is not None:
                return result
        return Refused("contended")

    def renew(self, token: Token, me: Device, slots: int | None = None) -> Result:
        """The lease this token names, by exactly its generation: ``Held``, written
        only when ``_due`` (like ``check``'s), so a heartbeat costs one read. Refused
        when that generation is stale or the lease lapsed (even if nobody took the
        slot: a paused process must not wake up holding); Displaced when the slot
        went from this very lease to another device. With the seat's current
        ``slots``, a lease on a slot past the count (a downgrade) is not renewed: the
        answer is ``check``'s, which frees that slot first."""
        if slots is not None and token.slot >= slots:
            return self.check(Seat(token.seat, slots), me, token)
        now, rows = self.store.read_seat(token.seat)
        row = next((r for r in rows if r.slot == token.slot), None)
        if row is not None and self._named_by(row, token) and row.is_live(now):
            held = self._held(row, me, now)
            if held is not None:
                return held
            now, rows = self.store.read_seat(token.seat)  # it lapsed or raced: why?
            row = next((r for r in rows if r.slot == token.slot), None)
        return self._why_not_renewed(token, me, now, row)

    # --- reading -------------------------------------------------------------------
    def _read(self, seat: Seat) -> tuple[float, list[SlotState]]:
        """The store's time and slots ``0..slots-1``; held slots past them freed first."""
        now, rows = self.store.read_seat(seat.id)
        if len(rows) < seat.slots:  # first use of the seat, or more slots since
            # Lost to another creator (under REPEATABLE READ a row it inserted since
            # the snapshot fails the insert): the re-read sees its rows.
            self._write("create", lambda: self.store.create_slots(seat.id, seat.slots))
            now, rows = self.store.read_seat(seat.id)
        if not rows or rows[-1].slot < seat.slots:
            return now, rows  # the usual case: rows 0..slots-1 and nothing past them
        if any(row.device is not None for row in rows if row.slot >= seat.slots):
            self.shrink(seat.id, seat.slots)  # a downgrade nobody applied yet
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
    def _acquire_silently(
        self, me: Device, now: float, rows: list[SlotState]
    ) -> Acquired | Held | None:
        if (mine := self._mine(rows, me, now)) is not None:
            return self._held(mine, me, now)  # None: it lapsed meanwhile, so re-read
        for row in self._vacancies(rows, me, now):
            result = self._claim(row, me, took_over=False)
            if result is not None:
                return result
        return None

    def _held(self, mine: SlotState, me: Device, now: float) -> Held | None:
        """Held, renewed first when ``_due``; ``None`` if it lapsed or moved meanwhile."""
        if not self._due(mine, me, now):
            return Held(mine.lease())
        renewed = self._renew(mine.lease().token, me)
        return None if renewed is None else Held(renewed.lease())

    def _claim(self, row: SlotState, me: Device, *, took_over: bool) -> Acquired | None:
        """One compare-and-set on ``row``; ``None`` when another writer got there first
        (or a conflict or a deadlock rolled it back): the caller re-reads."""
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
                self.store.append(events.claimed(row, new, took_over=took_over))
            return new

        new = self._write("claim", write)
        if new is None:
            return None
        if row.device in (None, me.device):
            return Acquired(new.lease())
        reason = "taken_over" if took_over else "replaced_stale"
        self.notify(Notice(new.seat, new.slot, new.generation, row.device, me.device, reason))
        return Acquired(new.lease(), row.holder(), took_over=took_over)

    # --- refusing ------------------------------------------------------------------
    @staticmethod
    def _named_by(row: SlotState, token: Token) -> bool:
        return (row.seat, row.generation, row.device) == (
            token.seat,
            token.generation,
            token.device,
        )

    def _displaced(self, row: SlotState, token: Token, now: float) -> Displaced | None:
        """``Displaced`` only to the device this slot was taken from, under exactly
        the generation it held, while the taker still holds it."""
        moved_once = row.previous_generation == token.generation and row.slot == token.slot
        if row.seat != token.seat or not moved_once or row.previous_device != token.device:
            return None
        if row.device in (None, token.device) or not row.is_live(now):
            return None
        return Displaced(row.holder(), row.since())

    def _busy(
        self, seat: Seat, rows: Sequence[SlotState], me: Device, token: Token | None, now: float
    ) -> Result:
        if token is not None and token.device == me.device and token.seat == seat.id:
            row = next((r for r in rows if r.slot == token.slot), None)
            if row is not None and (displaced := self._displaced(row, token, now)) is not None:
                return self._shown(seat.id, me, now, displaced, row)
        victim = self._victim(rows)
        return self._shown(seat.id, me, now, Busy(victim.holder(), victim.since()), victim)

    def _why_not_renewed(
        self, token: Token, me: Device, now: float, row: SlotState | None
    ) -> Result:
        if row is not None and self._named_by(row, token):
            reason = "contended" if row.is_live(now) else "expired"  # live: lost races
            return self._refuse(token.seat, me, now, reason, token)
        if row is not None and (shown := self._displaced(row, token, now)) is not None:
            return self._shown(token.seat, me, now, shown, row)
        return self._refuse(token.seat, me, now, "stale_generation", token)

    def _refuse(
        self, seat: int, me: Device, now: float, reason: str, token: Token | None = None
    ) -> Refused:
        """Logged. A refused token is one line however often its page asks again."""
        if token is None:
            self._log(events.refused(seat, me, now, reason), once=False)
        else:
            line = events.refused(seat, me, now, reason, token.slot, token.generation)
            self._log(line, once=True)
        return Refused(reason)

    def _shown(
        self, seat: int, me: Device, now: float, answer: Busy | Displaced, row: SlotState
    ) -> Result:
        """The dialog this answer opens goes to the log too (sharing detection reads
        it): once per episode — this device, this holder under this generation."""
        self._log(events.shown(seat, me, now, answer, row), once=True)
        return answer

    def _log(self, event: Event, *, once: bool) -> None:
        if once:
            self._write("log", lambda: self.store.append_once(event))
        else:
            self._write("log", lambda: self.store.append([event]))

    def _over_limit(self, seat: Seat, now: float) -> bool:
        since, limit = now - self.policy.takeover_window, self.policy.takeovers
        kind = LeaseTag.TAKEN_OVER.kind
        return self.store.count_events(seat.id, kind, since, limit) >= limit

    # --- writing -------------------------------------------------------------------
    def _write(self, operation: str, write: Callable[[], T]) -> T | None:
        """``write`` in one store transaction; ``None`` when a uniqueness conflict, a
        deadlock or a serialization failure rolled it back (two writers raced: the
        caller re-reads)."""
        try:
            with self.store.atomic():
                return write()
        except StoreConflict as error:
            CONFLICTS[operation] += 1
            log.warning("lease %s: uniqueness conflict, rolled back: %s", operation, error)
        except StoreRace as error:
            RACES[operation] += 1
            log.info("lease %s: lost a race in the database, rolled back: %s", operation, error)
        return None

    def _renew(self, token: Token, me: Device) -> SlotState | None:
        """The fenced renewal write (a sampled ``renewed`` line with it)."""

        def write() -> SlotState | None:
            row = self.store.renew(
                token.seat, token.slot, token.generation, token.device, me.idle, self.policy.ttl
            )
            if row is not None and self.sample() < self.policy.renew_sample:
                self.store.append([events.line(LeaseTag.RENEWED, row, None)])
            return row

        return self._write("renew", write)
