"""What the lease engine takes and answers: plain frozen dataclasses, no Django.

``Result`` is what ``check``/``acquire``/``take_over``/``renew`` return; ``release*``
return ``Released`` (or ``Refused`` for a stale token).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    ttl: float = 180.0
    idle: float = 80.0  # settings' KIOSCO_LEASE_IDLE default
    takeovers: int = 6
    takeover_window: float = 600.0
    renew_sample: float = 0.1  # share of renewals written to the event log


@dataclass(frozen=True)
class Device:
    """Who asks: a reader on one device, and how long ago it last had input."""

    reader: int
    device: str
    idle: float = 0.0


@dataclass(frozen=True)
class Seat:
    id: int
    slots: int = 1


@dataclass(frozen=True)
class Token:
    """What a device carries (signed) to prove which lease it holds."""

    seat: int
    slot: int
    generation: int
    device: str


@dataclass(frozen=True)
class Holder:
    device: str
    reader: int


@dataclass(frozen=True)
class Lease:
    seat: int
    slot: int
    generation: int
    device: str
    reader: int
    expires_at: float

    @property
    def token(self) -> Token:
        return Token(self.seat, self.slot, self.generation, self.device)


@dataclass(frozen=True)
class Notice:
    """Told to ``device``: it no longer holds (seat, slot); ``by`` holds it now."""

    seat: int
    slot: int
    generation: int
    device: str
    by: str | None
    reason: str


@dataclass(frozen=True)
class Held:
    lease: Lease


@dataclass(frozen=True)
class Acquired:
    lease: Lease
    replaced: Holder | None = None
    took_over: bool = False


@dataclass(frozen=True)
class Busy:
    holder: Holder
    since: float


@dataclass(frozen=True)
class Displaced:
    by: Holder
    at: float


@dataclass(frozen=True)
class Refused:
    reason: str


@dataclass(frozen=True)
class Released:
    count: int


Result = Held | Acquired | Busy | Displaced | Refused
Notify = Callable[[Notice], None]
