"""The release paths of the lease engine (a password change, a signed-out device, a
revoked seat, a downgrade, a page put away): the part of ``Engine`` that frees
slots. Pure Python, no Django; the race model is in ``engine.py``."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence

from kiosco.leases import events
from kiosco.leases.results import Notice, Notify, Refused, Released, Token
from kiosco.leases.stores import LeaseStore, SlotState, StoreRace

RELEASE_RETRIES = 8  # a release path retries a lost race this often
RACES: Counter[str] = Counter()  # deadlocks and serialization failures per operation
log = logging.getLogger("kiosco.leases")


class Releasing:
    """Mixed into ``Engine``, whose fields these are."""

    store: LeaseStore
    notify: Notify

    def release(self, token: Token, reason: str = "released") -> Released | Refused:
        """The holder lets go (page hidden or closed). Fenced like ``renew``."""

        def vacate() -> list[SlotState]:
            row = self.store.vacate(token.seat, token.slot, token.generation, token.device)
            if row is None:
                return []
            self.store.append([events.released(row, reason)])
            return [row]

        freed = self._retried(vacate)
        if freed is None:
            return Refused("contended")
        return Released(1) if freed else Refused("stale_generation")

    def release_all(self, reader: int, reason: str) -> Released | Refused:
        """Password change, account deletion: every slot any device of ``reader`` holds."""
        return self._release_where(reason, reader=reader)

    def release_device(self, reader: int, device: str, reason: str) -> Released | Refused:
        return self._release_where(reason, reader=reader, device=device)

    def release_seat(self, seat: int, reason: str) -> Released | Refused:
        """Seat revoked or subscription ended: every slot of the seat."""
        return self._release_where(reason, seat=seat)

    def shrink(self, seat: int, slots: int) -> Released | Refused:
        """The seat now has ``slots`` (a downgrade): free every slot past them, now,
        so "never more than N" holds from the moment the plan changed."""
        return self._release_where("seat_shrunk", seat=seat, from_slot=slots)

    # --- releasing -----------------------------------------------------------------
    def _release_where(self, reason: str, **where: int | str) -> Released | Refused:
        def vacate() -> list[SlotState]:
            rows = self.store.vacate_where(**where)  # type: ignore[arg-type]
            if rows:
                self.store.append([events.released(row, reason) for row in rows])
            return rows

        freed = self._retried(vacate)
        if freed is None:
            return Refused("contended")
        self._tell(freed, reason)
        return Released(len(freed))

    def _tell(self, freed: Sequence[SlotState], reason: str) -> None:
        for row in freed:
            assert row.previous_device is not None
            self.notify(
                Notice(row.seat, row.slot, row.generation, row.previous_device, None, reason)
            )

    def _retried(self, write: Callable[[], list[SlotState]]) -> list[SlotState] | None:
        """A release path: a lost race is retried (a password change must not leave a
        lease); ``None`` only if every retry lost. No uniqueness conflict can happen
        here (freeing a slot sets ``device`` to NULL): one would be a bug, and raises."""
        for _ in range(RELEASE_RETRIES):
            try:
                with self.store.atomic():
                    return write()
            except StoreRace as error:
                RACES["release"] += 1
                log.info("lease release: lost a race in the database, retrying: %s", error)
        log.error("lease release: lost %d races in a row, gave up", RELEASE_RETRIES)
        return None
