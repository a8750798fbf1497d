"""A takeover, the displaced device's first answer after it, a password change or a
plan change moves the seat's cached ladder state on (the leases app signals takeovers
and displaced answers; readers and subscriptions record the others as events;
insights listens)."""

from __future__ import annotations

import time
from typing import Any

from django.db.models.signals import post_save

from kiosco.insights import services
from kiosco.insights.log import report_within
from kiosco.leases.services import lease_displaced_answered, lease_taken_over, on_commit_robust
from kiosco.readers.models import SecurityEvent


def on_security_event(sender: Any, instance: SecurityEvent, created: bool, **kwargs: Any) -> None:
    # Events are written in the action's transaction: move the cached state on once it
    # commits, or a page read in between would cache the state from before the change
    # (robust: a cache that cannot move on must not fail the action that committed).
    if created and instance.tag in services.RESET_TAGS and instance.reader_id is not None:
        on_commit_robust(services.invalidate_reader, instance.reader_id)


def on_lease_taken_over(sender: Any, reader_id: int, **kwargs: Any) -> None:
    services.invalidate_reader(reader_id)


def on_lease_displaced_answered(
    sender: Any, reader_id: int, taken_at: float, **kwargs: Any
) -> None:
    # The displaced page's first answer carries its own idle, which can make the
    # takeover contested after the takeover's signal already moved the state on; later
    # answers (a page left on the dialog) say nothing new and move nothing.
    if time.time() - taken_at <= report_within():
        services.invalidate_reader(reader_id)


def connect() -> None:
    post_save.connect(on_security_event, sender=SecurityEvent, dispatch_uid="kiosco.insights")
    lease_taken_over.connect(on_lease_taken_over, dispatch_uid="kiosco.insights.takeover")
    lease_displaced_answered.connect(
        on_lease_displaced_answered, dispatch_uid="kiosco.insights.displaced"
    )
