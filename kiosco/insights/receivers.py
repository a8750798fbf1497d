"""A takeover, a password change or a plan change moves the seat's cached ladder
state on (the leases app signals takeovers; readers and subscriptions record the
others as events; insights listens)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from kiosco.insights import services
from kiosco.leases.services import lease_taken_over, on_commit_robust
from kiosco.readers.models import SecurityEvent


def on_security_event(sender: Any, instance: SecurityEvent, created: bool, **kwargs: Any) -> None:
    # Events are written in the action's transaction: move the cached state on once it
    # commits, or a page read in between would cache the state from before the change
    # (robust: a cache that cannot move on must not fail the action that committed).
    if created and instance.tag in services.RESET_TAGS and instance.reader_id is not None:
        on_commit_robust(services.invalidate_reader, instance.reader_id)


def on_lease_taken_over(sender: Any, reader_id: int, **kwargs: Any) -> None:
    services.invalidate_reader(reader_id)


def connect() -> None:
    post_save.connect(on_security_event, sender=SecurityEvent, dispatch_uid="kiosco.insights")
    lease_taken_over.connect(on_lease_taken_over, dispatch_uid="kiosco.insights.takeover")
