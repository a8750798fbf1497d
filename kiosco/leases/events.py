"""The lease event log lines the engine writes (kinds and fields: CONTEXT.md).

Pure Python, no Django: builds ``Event`` values; the store writes them, with its own
clock when ``at`` is ``None``.
"""

from __future__ import annotations

from dataclasses import replace

from kiosco.leases.results import Busy, Device, Displaced
from kiosco.leases.stores import Event, SlotState


def line(kind: str, row: SlotState, now: float | None, reason: str = "") -> Event:
    """A line about ``row``, its holder as the device."""
    return Event(
        kind, row.seat, row.slot, row.generation, now, row.device, row.reader, reason=reason
    )


def claimed(old: SlotState, new: SlotState, now: float, *, took_over: bool) -> list[Event]:
    """``acquired`` (from whom, when it replaced a stale holder) or ``taken_over``
    (with how long the displaced holder had been idle); ``expired`` first when the
    slot is claimed after its holder lapsed (by another device, or by the same one
    coming back: either way a lease ran out)."""
    this = line("", new, now)
    events: list[Event] = []
    if old.device is not None and not old.is_live(now):
        lapsed = replace(this, kind="expired", reason="ttl")
        events.append(replace(lapsed, from_device=old.device, from_reader=old.reader))
    if old.device is not None and old.is_live(now):
        this = replace(
            this, from_device=old.device, from_reader=old.reader, idle_of_displaced=old.idle(now)
        )
    if took_over:
        return [*events, replace(this, kind="taken_over", reason="explicit")]
    reason = "stale" if this.from_device else "free"
    return [*events, replace(this, kind="acquired", reason=reason)]


def released(row: SlotState, reason: str) -> Event:
    """``row`` is the freed row; its ``previous_device`` held the slot."""
    return Event(
        "released",
        row.seat,
        row.slot,
        row.generation,
        None,
        from_device=row.previous_device,
        reason=reason,
    )


def refused(seat: int, slot: int, me: Device, now: float, reason: str) -> Event:
    return Event("refused", seat, slot, 0, now, me.device, me.reader, reason=reason)


def shown(seat: int, me: Device, now: float, answer: Busy | Displaced) -> Event:
    """``busy`` or ``displaced``: the dialog ``me`` was shown, naming the holder. (Slot
    -1 and generation 0 like ``refused``: these lines change no slot.)"""
    holder = answer.holder if isinstance(answer, Busy) else answer.by
    kind = "busy" if isinstance(answer, Busy) else "displaced"
    return Event(
        kind,
        seat,
        -1,
        0,
        now,
        me.device,
        me.reader,
        from_device=holder.device,
        from_reader=holder.reader,
    )
