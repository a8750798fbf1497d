"""Models of the shared helpers: only the confirmation behind every emailed link."""

from __future__ import annotations

from django.db import models


class Confirmation(models.Model):
    """One emailed link (see ``kiosco.lib.confirmation``): a random key that stands for
    one object of one kind, valid until ``expires_at``, usable once."""

    key = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=40, db_index=True)
    object_id = models.BigIntegerField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
