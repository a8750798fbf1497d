"""The pure part of the access decision: what the reader sees for an engine result.

No Django, so the sharing simulator (``kiosco.insights.sim``) drives this very
mapping; ``services._reading`` builds the page's ``Reading`` from it.
"""

from __future__ import annotations

from kiosco.leases.results import Acquired, Busy, Displaced, Held, Result

READING = "reading"
BUSY = "busy"  # another device of this seat is reading
DISPLACED = "displaced"  # this device was reading until another one continued
RATE_LIMITED = "rate_limited"  # "continue reading here" too often on this seat
CONTENDED = "contended"  # lost every race: try again
OFFER = "offer"  # no entitlement: the plans


def state_of(result: Result) -> str:
    """The article (reading), the dialog (busy, displaced, rate limited, contended)
    or the offer (the plan allows no reading on this seat)."""
    if isinstance(result, Held | Acquired):
        return READING
    if isinstance(result, Busy):
        return BUSY
    if isinstance(result, Displaced):
        return DISPLACED
    if result.reason == "rate_limited":
        return RATE_LIMITED
    if result.reason == "no_slots":
        return OFFER
    return CONTENDED
