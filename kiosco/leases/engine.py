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
  and re-reads (bounded), ending in ``Busy``/``Displaced`` or ``Refused("contended")``.
* A silent claim also re-checks, in that same statement and by the store's clock, that
  the slot is still free, lapsed or stale; so a holder whose renewal (which does not
  change the generation) landed in between keeps the slot.
* Every change of holder — acquire, takeover, release — bumps the slot's generation,
  the fencing token. Renewals and releases name the generation they hold; a writer
  with an older one (a paused process, an old tab) changes nothing and is refused.
* A unique (seat, slot) row and a unique held (seat, device) make a double holder
  impossible even if this file were wrong; such a violation surfaces as
  ``Refused("contended")``, never as an exception.
* Notices go to the ``notify`` hook, which the Django layer defers until commit.
* The takeover rate limit is counted from the event log before the write; racing
  takeovers may overshoot it by the number of racers (a soft limit, by design).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from kiosco.leases.results import (
    Acquired,
    Busy,
    Device,
    Displaced,
    Held,
    Holder,
    Lease,
    Notice,
    Notify,
    Policy,
    Refused,
    Released,
    Result,
    Seat,
    Token,
)
from kiosco.leases.stores import Claim, Event, LeaseStore, SlotState, StoreConflict

__all__ = [
    "Acquired",
    "Busy",
    "Device",
    "Displaced",
    "Engine",
    "Held",
    "Holder",
    "Lease",
    "Notice",
    "Notify",
    "Policy",
    "Refused",
    "Released",
    "Result",
    "Seat",
    "Token",
]

RACE_RETRIES = 3  # a loser re-reads at most this often before Refused("contended")


def _lease(row: SlotState) -> Lease:
    assert row.device is not None and row.reader is not None and row.expires_at is not None
    return Lease(row.seat, row.slot, row.generation, row.device, row.reader, row.expires_at)


def _holder(row: SlotState) -> Holder:
    assert row.device is not None and row.reader is not None
    return Holder(row.device, row.reader)


def _line(kind: str, row: SlotState, now: float | None, reason: str = "") -> Event:
    """An event-log line about ``row``, its holder as the device."""
    return Event(
        kind, row.seat, row.slot, row.generation, now, row.device, row.reader, reason=reason
    )


@dataclass
class Engine:
    """The operations. Time is always the store's (``now`` from ``read_seat``)."""

    store: LeaseStore
    policy: Policy = field(default_factory=Policy)
    notify: Notify = lambda notice: None
    sample: Callable[[], float] = random.random  # which renewals reach the event log

    # --- operations ----------------------------------------------------------------
    def check(self, seat: Seat, me: Device, token: Token | None = None) -> Result:
        """May this device read now? The page view and heartbeat call: Held (renewed
        once less than half its TTL is left), else ``acquire``'s answer."""
        now, rows = self._read(seat)
        mine = self._mine(rows, me, now)
        if mine is None:
            return self._acquire(seat, me, token, now, rows)
        assert mine.expires_at is not None
        if mine.expires_at - now < self.policy.ttl / 2:
            return self.renew(_lease(mine).token, me)
        return Held(_lease(mine))

    def acquire(self, seat: Seat, me: Device, token: Token | None = None) -> Result:
        """Take a free, lapsed or stale slot without asking anyone; otherwise Busy,
        or Displaced when ``token`` shows this device lost its slot to the holder."""
        now, rows = self._read(seat)
        return self._acquire(seat, me, token, now, rows)

    def take_over(self, seat: Seat, me: Device, token: Token | None = None) -> Result:
        """The explicit "continue here": a vacancy if there is one, else displace the
        holder idle longest — within the seat's takeover rate limit."""
        for _ in range(RACE_RETRIES):
            now, rows = self._read(seat)
            found = self._acquire_silently(me, now, rows)
            if found is not None:
                return found
            if self._over_limit(seat, now):
                return self._refuse(seat.id, me, now, "rate_limited")
            result = self._claim(self._victim(rows), me, now, only_if_vacant=False)
            if result is not None:
                return result
        return Refused("contended")

    def renew(self, token: Token, me: Device) -> Result:
        """Extend the lease this token names, by exactly its generation. Refused when
        that generation is stale or the lease lapsed (even if nobody took the slot:
        a paused process must not wake up holding); Displaced when another device
        holds the slot now."""
        row: SlotState | None = None
        with self._guard() as guard:
            row = self.store.renew(
                token.seat, token.slot, token.generation, token.device, me.idle, self.policy.ttl
            )
            if row is not None and self.sample() < self.policy.renew_sample:
                self.store.append([_line("renewed", row, None)])
        if guard.conflict:
            return Refused("contended")
        if row is not None:
            return Held(_lease(row))
        return self._why_not_renewed(token, me)

    def release(self, token: Token, reason: str = "released") -> Released | Refused:
        """The holder lets go (page hidden or closed). Fenced like ``renew``."""
        row: SlotState | None = None
        with self._guard() as guard:
            row = self.store.vacate(token.seat, token.slot, token.generation, token.device)
            if row is not None:
                self.store.append([self._released(row, reason)])
        if row is None or guard.conflict:
            return Refused("stale_generation")
        return Released(1)

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
        now, rows = self.store.read_seat(seat.id)
        if len(rows) < seat.slots:  # first use of the seat, or more slots since
            self.store.create_slots(seat.id, seat.slots)
            now, rows = self.store.read_seat(seat.id)
        # Slots past the plan's count (after a downgrade) are offered to nobody.
        return now, [row for row in rows if row.slot < seat.slots]

    def _mine(self, rows: Sequence[SlotState], me: Device, now: float) -> SlotState | None:
        return next((r for r in rows if r.device == me.device and r.is_live(now)), None)

    def _vacancies(self, rows: Sequence[SlotState], me: Device, now: float) -> list[SlotState]:
        """Free, lapsed or stale slots in the order to try them: this device's own
        lapsed row first (the unique (seat, device) forbids it a second one), then
        free, then lapsed, then the longest idle."""
        vacant = [r for r in rows if r.is_vacant(now, self.policy.idle)]
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
        for _ in range(RACE_RETRIES):
            found = self._acquire_silently(me, now, rows)
            if found is not None:
                return found
            if not any(r.is_vacant(now, self.policy.idle) for r in rows):
                return self._busy(rows, me, token, now)
            now, rows = self._read(seat)  # lost every race for a vacancy: look again
        return Refused("contended")

    def _acquire_silently(
        self, me: Device, now: float, rows: list[SlotState]
    ) -> Acquired | Held | Refused | None:
        if (mine := self._mine(rows, me, now)) is not None:
            return Held(_lease(mine))
        for row in self._vacancies(rows, me, now):
            result = self._claim(row, me, now, only_if_vacant=True)
            if result is not None:
                return result
        return None

    def _claim(
        self, row: SlotState, me: Device, now: float, *, only_if_vacant: bool
    ) -> Acquired | Refused | None:
        """One compare-and-set on ``row``; ``None`` when another writer got there first."""
        claim = Claim(
            row.seat,
            row.slot,
            row.generation,
            me.device,
            me.reader,
            me.idle,
            self.policy.ttl,
            only_if_vacant,
            self.policy.idle,
        )
        new: SlotState | None = None
        with self._guard() as guard:
            new = self.store.claim(claim)
            if new is not None:
                self.store.append(self._claim_events(row, new, now, only_if_vacant))
        if guard.conflict:
            return Refused("contended")
        if new is None:
            return None  # the loser: the slot changed since we read it; caller re-reads
        if row.device in (None, me.device):
            return Acquired(_lease(new))
        reason = "replaced_stale" if only_if_vacant else "taken_over"
        self.notify(Notice(new.seat, new.slot, new.generation, row.device, me.device, reason))
        return Acquired(_lease(new), _holder(row), took_over=not only_if_vacant)

    def _claim_events(
        self, old: SlotState, new: SlotState, now: float, silent: bool
    ) -> list[Event]:
        """``acquired`` (from whom, when it replaced a stale holder) or ``taken_over``
        (with how long the displaced holder had been idle); ``expired`` first when the
        slot goes to another device after its holder lapsed."""
        line = _line("", new, now)
        events: list[Event] = []
        if old.device not in (None, new.device) and not old.is_live(now):
            lapsed = replace(line, kind="expired", reason="ttl")
            events.append(replace(lapsed, from_device=old.device, from_reader=old.reader))
        if old.device is not None and old.is_live(now):
            line = replace(
                line,
                from_device=old.device,
                from_reader=old.reader,
                idle_of_displaced=old.idle(now),
            )
        if not silent:
            return [*events, replace(line, kind="taken_over", reason="explicit")]
        reason = "stale" if line.from_device else "free"
        return [*events, replace(line, kind="acquired", reason=reason)]

    # --- refusing ------------------------------------------------------------------
    def _busy(
        self, rows: Sequence[SlotState], me: Device, token: Token | None, now: float
    ) -> Busy | Displaced:
        if token is not None and token.device == me.device:
            row = next((r for r in rows if r.slot == token.slot), None)
            if row is not None and row.generation > token.generation and row.device:
                return Displaced(_holder(row), row.acquired_at or now)
        victim = self._victim(rows)
        return Busy(_holder(victim), victim.acquired_at or now)

    def _why_not_renewed(self, token: Token, me: Device) -> Result:
        now, rows = self.store.read_seat(token.seat)
        row = next((r for r in rows if r.slot == token.slot), None)
        if row is not None and (row.generation, row.device) == (token.generation, token.device):
            return self._refuse(token.seat, me, now, "expired", token.slot)
        if row is not None and row.device not in (None, token.device) and row.is_live(now):
            return Displaced(_holder(row), row.acquired_at or now)
        return self._refuse(token.seat, me, now, "stale_generation", token.slot)

    def _refuse(self, seat: int, me: Device, now: float, reason: str, slot: int = -1) -> Refused:
        self._log([Event("refused", seat, slot, 0, now, me.device, me.reader, reason=reason)])
        return Refused(reason)

    def _over_limit(self, seat: Seat, now: float) -> bool:
        since, limit = now - self.policy.takeover_window, self.policy.takeovers
        return self.store.count_events(seat.id, "taken_over", since, limit) >= limit

    # --- releasing -----------------------------------------------------------------
    def _release_where(self, reason: str, **where: int | str) -> Released:
        rows: list[SlotState] = []
        with self._guard() as guard:
            rows = self.store.vacate_where(**where)  # type: ignore[arg-type]
            if rows:
                self.store.append([self._released(row, reason) for row in rows])
        for row in [] if guard.conflict else rows:
            assert row.previous_device is not None
            self.notify(
                Notice(row.seat, row.slot, row.generation, row.previous_device, None, reason)
            )
        return Released(0 if guard.conflict else len(rows))

    def _released(self, row: SlotState, reason: str) -> Event:
        return Event(
            "released",
            row.seat,
            row.slot,
            row.generation,
            None,
            from_device=row.previous_device,
            reason=reason,
        )

    # --- writing -------------------------------------------------------------------
    def _log(self, events: list[Event]) -> None:
        with self._guard():
            self.store.append(events)

    def _guard(self) -> _Guard:
        return _Guard(self.store)


class _Guard:
    """A store transaction whose uniqueness conflict is noted, not raised: the
    transaction is rolled back and the caller answers Refused("contended")."""

    def __init__(self, store: LeaseStore) -> None:
        self._atomic = store.atomic()
        self.conflict = False

    def __enter__(self) -> _Guard:
        self._atomic.__enter__()
        return self

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> bool:
        try:
            self._atomic.__exit__(kind, error, tb)  # type: ignore[arg-type]
        except StoreConflict:
            self.conflict = True
            return True
        if isinstance(error, StoreConflict):
            self.conflict = True
            return True
        return False
