"""insights' part of a signed-in reader's cached snapshot (``kiosco/readers/snapshot.py``):
the sharing notice of their seat, so a page shows it (or not) with no read of its own.
``services.invalidate_reader`` moves the snapshots of a seat's holder and owner on; a
notice that clears by quiet days says until when it holds."""

from __future__ import annotations

from typing import Any

from kiosco.insights import services
from kiosco.insights.ladder import Decision
from kiosco.readers.snapshot import part

PART = "insights"


def contribute(reader: Any) -> tuple[Decision | None, float | None]:
    """``KIOSCO_READER_SNAPSHOT``: the seat's ladder decision while the notice shows."""
    seat_id = services.seat_of(reader.pk)
    if seat_id is None:
        return None, None
    decision = services.notice_for_seat(seat_id)
    return (decision, decision.until) if decision.notice else (None, None)


def notice_of(reader: Any) -> Decision | None:
    found = part(reader, PART)
    return found if isinstance(found, Decision) else None
