"""Lease tables. The engine writes them with raw SQL (``stores/sql.py``); these models
exist for migrations, the admin and the readers of the event log (insights).

Times are seconds since the epoch by the database server's clock (``float``), the
one clock every app instance shares.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from kiosco.leases.events import LeaseTag


class Slot(models.Model):
    """One lease slot of a seat. Never deleted by the engine: a release clears the
    holder and moves the generation on. Generations come from one counter outside
    any model (migration 0003), so no delete, flush or TRUNCATE can make one recur."""

    seat = models.BigIntegerField()  # the subscriptions app's Seat id (opaque here)
    slot = models.SmallIntegerField()
    generation = models.BigIntegerField()
    device = models.CharField(max_length=64, null=True, blank=True)
    reader = models.BigIntegerField(null=True, blank=True)
    acquired_at = models.FloatField(null=True, blank=True)
    expires_at = models.FloatField(null=True, blank=True)
    input_at = models.FloatField(null=True, blank=True)
    previous_device = models.CharField(max_length=64, null=True, blank=True)
    previous_generation = models.BigIntegerField(null=True, blank=True)

    class Meta:
        db_table = "leases_slot"
        constraints = [
            # One row per slot: two holders of one slot cannot both be written.
            models.UniqueConstraint(fields=["seat", "slot"], name="leases_one_row_per_slot"),
            # One slot per device per seat, even if the engine were wrong.
            models.UniqueConstraint(
                fields=["seat", "device"],
                condition=Q(device__isnull=False),
                name="leases_one_slot_per_device",
            ),
            models.CheckConstraint(condition=Q(slot__gte=0), name="leases_slot_not_negative"),
            models.CheckConstraint(
                condition=Q(device__isnull=True, reader__isnull=True, expires_at__isnull=True)
                | Q(device__isnull=False, reader__isnull=False, expires_at__isnull=False),
                name="leases_holder_complete",
            ),
        ]
        indexes = [models.Index(fields=["reader"], name="leases_slot_reader")]

    def __str__(self) -> str:
        return f"seat {self.seat} slot {self.slot} gen {self.generation}: {self.device or '-'}"


class Event(models.Model):
    """The lease event log (kinds: ``events.LeaseTag``). Sharing detection and
    metrics read it; nothing updates it."""

    kind = models.CharField(max_length=16)
    seat = models.BigIntegerField()
    slot = models.SmallIntegerField()
    generation = models.BigIntegerField()
    at = models.FloatField()
    device = models.CharField(max_length=64, null=True, blank=True)
    reader = models.BigIntegerField(null=True, blank=True)
    from_device = models.CharField(max_length=64, null=True, blank=True)
    from_reader = models.BigIntegerField(null=True, blank=True)
    idle_of_displaced = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=32, blank=True)

    class Meta:
        db_table = "leases_event"
        indexes = [models.Index(fields=["seat", "kind", "at"], name="leases_event_seat_kind_at")]

    def __str__(self) -> str:
        return f"{self.kind} seat {self.seat} slot {self.slot} gen {self.generation}"

    @property
    def tag(self) -> str:
        """The kind as the project's event tag (``seat:lease:<kind>``)."""
        return str(LeaseTag.of(self.kind))
