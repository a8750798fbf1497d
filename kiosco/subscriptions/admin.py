from django.contrib import admin

from kiosco.subscriptions.models import (
    BillingEvent,
    Invitation,
    Organisation,
    Plan,
    Seat,
    Subscription,
    TermsAcceptance,
    TermsVersion,
)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "seats",
        "devices_per_seat",
        "price_label",
        "billing_period",
        "is_active",
    ]
    list_editable = ["is_active"]


class SeatInline(admin.TabularInline):
    model = Seat
    extra = 0
    readonly_fields = ["number", "holder", "taken_at"]
    can_delete = False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    # Read-mostly: seats and states change through the services (and the billing
    # provider), which release leases and tell readers; the admin only looks.
    list_display = [
        "id",
        "plan",
        "owner_reader",
        "organisation",
        "status",
        "seats",
        "current_period_end",
        "provider",
    ]
    list_filter = ["status", "plan", "provider"]
    search_fields = ["owner_reader__email", "organisation__name", "external_id"]
    readonly_fields = [
        "plan",
        "owner_reader",
        "organisation",
        "status",
        "seats",
        "grace_until",
        "pending_plan",
        "provider",
        "external_id",
        "last_event_at",
    ]
    inlines = [SeatInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "domain", "domain_verified_at", "domain_join_enabled"]
    filter_horizontal = ["admins"]
    search_fields = ["name", "slug", "domain"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "subscription", "state", "created_at"]
    list_filter = ["state"]


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "published_at"]


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["reader", "version", "accepted_at"]
    readonly_fields = ["reader", "version", "accepted_at"]


@admin.register(BillingEvent)
class BillingEventAdmin(admin.ModelAdmin):
    list_display = ["provider", "event_id", "kind", "external_id", "occurred_at", "outcome"]
    list_filter = ["provider", "kind", "outcome"]
    search_fields = ["event_id", "external_id"]
    readonly_fields = [f.name for f in BillingEvent._meta.fields]
