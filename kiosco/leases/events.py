"""The lease facts, as the project's typed tags, and the event-log lines the engine
writes (kinds and fields: CONTEXT.md).

Pure Python, no Django. The log (``leases_event``) stores a line's *kind* — the
tag's last part — and ``LeaseTag.of(kind)`` names it in the one vocabulary
(``source:subject:action``) the sharing ladder and the publisher's metrics read,
beside ``readers.events.EventTag`` and ``subscriptions.events.SubscriptionTag``.
The store writes a line with its own clock when ``at`` is ``None``.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from kiosco.leases.results import Busy, Device, Displaced
from kiosco.leases.stores import Event, SlotState


class LeaseTag(StrEnum):
    ACQUIRED = "seat:lease:acquired"
    TAKEN_OVER = "seat:lease:taken_over"
    RENEWED = "seat:lease:renewed"
    RELEASED = "seat:lease:released"
    EXPIRED = "seat:lease:expired"
    REFUSED = "seat:lease:refused"
    BUSY = "seat:lease:busy"
    DISPLACED = "seat:lease:displaced"

    @property
    def kind(self) -> str:
        """What the log stores: the action, ``taken_over`` for ``seat:lease:taken_over``."""
        return self.value.rsplit(":", 1)[1]

    @classmethod
    def of(cls, kind: str) -> LeaseTag:
        return cls(f"seat:lease:{kind}")


def line(tag: LeaseTag, row: SlotState, now: float | None, reason: str = "") -> Event:
    """A line about ``row``, its holder as the device."""
    return Event(
        tag.kind, row.seat, row.slot, row.generation, now, row.device, row.reader, reason=reason
    )


def claimed(old: SlotState, new: SlotState, *, took_over: bool) -> list[Event]:
    """``acquired`` (from whom, when it replaced a stale holder) or ``taken_over``
    (with how long the displaced holder had been idle); ``expired`` first when the
    slot is claimed after its holder lapsed (by another device, or by the same one
    coming back: either way a lease ran out). Everything is judged, and stamped, at
    the write's time (``new.acquired_at``, the store's clock once the row was
    locked), not at the read's."""
    at = new.since()
    this = line(LeaseTag.ACQUIRED, new, at)
    events: list[Event] = []
    if old.device is not None and not old.is_live(at):
        lapsed = replace(this, kind=LeaseTag.EXPIRED.kind, reason="ttl")
        events.append(replace(lapsed, from_device=old.device, from_reader=old.reader))
    if old.device is not None and old.is_live(at):
        this = replace(
            this, from_device=old.device, from_reader=old.reader, idle_of_displaced=old.idle(at)
        )
    if took_over:
        return [*events, replace(this, kind=LeaseTag.TAKEN_OVER.kind, reason="explicit")]
    return [*events, replace(this, reason="stale" if this.from_device else "free")]


def released(row: SlotState, reason: str) -> Event:
    """``row`` is the freed row; its ``previous_device`` held the slot."""
    return Event(
        LeaseTag.RELEASED.kind,
        row.seat,
        row.slot,
        row.generation,
        None,
        from_device=row.previous_device,
        reason=reason,
    )


def refused(
    seat: int, me: Device, now: float, reason: str, slot: int = -1, generation: int = 0
) -> Event:
    """A refusal; with a token, its slot and generation (one line per token: see
    ``Engine._refuse``)."""
    return Event(
        LeaseTag.REFUSED.kind, seat, slot, generation, now, me.device, me.reader, reason=reason
    )


def shown(seat: int, me: Device, now: float, answer: Busy | Displaced, row: SlotState) -> Event:
    """``busy`` or ``displaced``: the dialog ``me`` was shown, naming the holder of
    ``row`` under its generation. A device that keeps asking while that holder keeps
    the slot is one episode: one line (the engine appends these ``once``).

    A ``displaced`` line carries the idle ``me`` reported (``idle_of_displaced``): the
    displaced page asks at once when told live, so the first line of the episode says
    how recently it was touched — fresher than the input stored at the takeover,
    which lags by up to a heartbeat and half the idle limit (the ladder combines both:
    ``insights/log.py``)."""
    if isinstance(answer, Busy):
        tag, holder, idle = LeaseTag.BUSY, answer.holder, None
    else:
        tag, holder, idle = LeaseTag.DISPLACED, answer.by, me.idle
    return Event(
        tag.kind,
        seat,
        row.slot,
        row.generation,
        now,
        me.device,
        me.reader,
        from_device=holder.device,
        from_reader=holder.reader,
        idle_of_displaced=idle,
    )
