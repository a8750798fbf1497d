"""A password change or a plan change moves the seat's cached ladder state on
(the readers and subscriptions apps record them as events; insights listens)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from kiosco.insights import services
from kiosco.readers.models import SecurityEvent


def on_security_event(sender: Any, instance: SecurityEvent, created: bool, **kwargs: Any) -> None:
    if created and instance.tag in services.RESET_TAGS and instance.reader_id is not None:
        services.invalidate_reader(instance.reader_id)


def connect() -> None:
    post_save.connect(on_security_event, sender=SecurityEvent, dispatch_uid="kiosco.insights")
