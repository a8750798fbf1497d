"""Billing events as snapshots, merged by field recency.

A billing system may deliver a subscription's events in any order. Each event is a
partial snapshot of the subscription; merging every stored event gives one state that
does not depend on the delivery order:

- status: from the newest event that carries a status (``seats_changed`` carries none);
- period end: the latest period end any event carried (a late ``renewed`` still counts:
  nobody loses a paid month because a cancellation overtook it on the wire);
- seats and plan: from the newest event that carries them; a change of plan newer
  than the last seat count (a downgrade without seats) brings the plan's own seats.

Events are folded in (event time, event id) order, so ties too resolve the same way
whatever the order they arrived in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosco.subscriptions.billing.base import BillingChange

_STATUS_OF_KIND = {
    "created": "active",
    "renewed": "active",
    "payment_failed": "past_due",
    "canceled": "canceled",
    "ended": "expired",
}


@dataclass
class Snapshot:
    status: str | None = None
    # When the current run of past_due began: a second failure never extends the grace.
    past_due_since: datetime | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    plan_code: str | None = None
    seats: int | None = None
    last_event_at: datetime | None = None
    # A plan change newer than the last seat count resets the seats to the plan's own.
    plan_after_seats: bool = False


def status_of(change: BillingChange) -> str | None:
    status = _STATUS_OF_KIND.get(change.kind)
    if status == "active" and change.status == "trialing":
        return "trialing"
    return status


def merge(changes: list[BillingChange]) -> Snapshot:
    snapshot = Snapshot()
    for change in sorted(changes, key=lambda c: (c.occurred_at, c.event_id)):
        _fold(snapshot, change)
    return snapshot


def _fold(snapshot: Snapshot, change: BillingChange) -> None:
    status = status_of(change)
    if status is not None:
        if status == "past_due" and snapshot.status != "past_due":
            snapshot.past_due_since = change.occurred_at
        snapshot.status = status
    if change.period_end and (
        snapshot.period_end is None or change.period_end > snapshot.period_end
    ):
        snapshot.period_end = change.period_end
        snapshot.period_start = min(change.occurred_at, change.period_end)
    if change.plan_code and change.plan_code != snapshot.plan_code:
        snapshot.plan_after_seats = True
        snapshot.plan_code = change.plan_code
    if change.seats:
        snapshot.seats = change.seats
        snapshot.plan_after_seats = False
    snapshot.last_event_at = change.occurred_at
