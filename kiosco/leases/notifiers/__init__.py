"""Notifiers: publish "this device lost its slot" to open pages (the live app listens).

Three transports behind one Protocol — in-process (embedded), Redis pub/sub and
PostgreSQL LISTEN/NOTIFY (several instances). What they carry may be lost: the
database stays the authority, a page that misses a notice learns at its next check.
Publishing happens only after commit (``services.py`` defers it with on_commit).
"""

from __future__ import annotations

import json
from typing import Protocol

from kiosco.leases.engine import Notice

CHANNEL = "kiosco_leases"


class Subscription(Protocol):
    def get(self, timeout: float) -> Notice | None:
        """The next notice, or ``None`` after ``timeout`` seconds."""

    def close(self) -> None: ...


class Notifier(Protocol):
    def publish(self, notice: Notice) -> None: ...

    def subscribe(self) -> Subscription: ...


def encode(notice: Notice) -> str:
    return json.dumps(
        [notice.seat, notice.slot, notice.generation, notice.device, notice.by, notice.reason]
    )


def decode(payload: str | bytes) -> Notice:
    seat, slot, generation, device, by, reason = json.loads(payload)
    return Notice(seat, slot, generation, device, by, reason)
