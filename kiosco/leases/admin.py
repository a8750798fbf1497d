"""Lease rows and the event log, to look at: only the engine writes them."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from kiosco.leases.models import Event, Slot


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Slot)
class SlotAdmin(ReadOnly):
    list_display = ["seat", "slot", "generation", "device", "reader", "expires_at", "input_at"]
    search_fields = ["device"]
    list_filter = ["slot"]


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = ["at", "kind", "seat", "slot", "generation", "device", "from_device", "reason"]
    list_filter = ["kind", "reason"]
    search_fields = ["device", "from_device"]
