"""The real lease engine in other apps' tests: a device that reads on a seat, and what
the lease store says about the seat's slots afterwards."""

from __future__ import annotations

from typing import Any

from kiosco.leases import services
from kiosco.leases.engine import Acquired

SEAT = 9_001  # a seat id for tests without subscriptions (the lease store's ids are opaque)


def read_on(seat: Any, reader: Any, device_id: str = "device-1") -> None:
    """``reader``'s device takes a lease slot on ``seat`` (a Seat, or a bare seat id as
    the lease store knows it) as a page view would."""
    seat_id, slots = (
        (seat, 1) if isinstance(seat, int) else (seat.pk, seat.subscription.plan.devices_per_seat)
    )
    result = services.acquire_lease(seat_id, slots, reader.pk, device_id, 0.0, None)
    assert isinstance(result, Acquired), result
    assert device_id in holders(seat_id)


def holders(seat_id: int) -> list[str]:
    """The devices holding a live lease on the seat, from the store itself."""
    now, slots = services.store().read_seat(seat_id)
    return [slot.device for slot in slots if slot.device is not None and slot.is_live(now)]
