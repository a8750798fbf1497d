"""Lease services: the Django-facing entry points to ``kiosco.leases.engine``.

PLACEHOLDER until the lease engine lands; the release functions keep these names and
signatures because accounts and subscriptions call them on their release paths.
"""

from __future__ import annotations


def release_all_for_reader(reader_id: int, reason: str) -> int:
    """Release every lease any device of this reader holds. Returns how many."""
    return 0


def release_device(reader_id: int, device_id: str, reason: str) -> int:
    """Release the leases one device of this reader holds. Returns how many."""
    return 0


def release_seat(seat_id: int, reason: str) -> int:
    """Release every lease on one seat (revocation, end of subscription)."""
    return 0
