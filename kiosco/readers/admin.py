from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from kiosco.readers.models import Device, Reader, SecurityEvent


@admin.register(Reader)
class ReaderAdmin(UserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "date_joined"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password", "language"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    """Read-only: devices come and go with sign-ins (readers.services)."""

    list_display = ["reader", "label", "first_seen", "last_seen"]
    search_fields = ["reader__email"]
    readonly_fields = ["reader", "device_id", "label", "first_seen", "last_seen"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Append-only: the log is read here, never edited."""

    list_display = ["created_at", "tag", "reader", "ip_address"]
    list_filter = ["tag"]
    search_fields = ["reader__email", "ip_address"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
