"""Plans, subscriptions, seats, organisations, invitations, terms and billing events.

Only the services in ``kiosco.subscriptions.services`` write these rows; what a reader
may read is decided in ``services.entitlements`` and nowhere else.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


def _in_language(english: str, spanish: str) -> str:
    return spanish if (get_language() or "en").startswith("es") and spanish else english


class Plan(models.Model):
    """A catalogue entry, edited in the admin. ``seats`` is what the plan includes;
    a plan with ``seats_chosen_by_buyer`` (Business) lets the organisation choose."""

    class Period(models.TextChoices):
        MONTH = "month", _("month")
        YEAR = "year", _("year")

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    name_es = models.CharField(max_length=80, blank=True)
    seats = models.PositiveSmallIntegerField(default=1)
    seats_chosen_by_buyer = models.BooleanField(default=False)
    for_organisations = models.BooleanField(default=False)
    devices_per_seat = models.PositiveSmallIntegerField(default=1)
    price_label = models.CharField(max_length=80)
    price_label_es = models.CharField(max_length=80, blank=True)
    # Per seat and period; the plans page multiplies it by the seats chosen. Blank: no
    # live total (the label alone is shown).
    price_amount = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217, e.g. EUR")
    billing_period = models.CharField(max_length=8, choices=Period.choices, default=Period.MONTH)
    # A list of {"en": "...", "es": "..."}: the plans page shows them side by side.
    features = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return _in_language(self.name, self.name_es)

    @property
    def display_price(self) -> str:
        return _in_language(self.price_label, self.price_label_es)

    def display_features(self) -> list[str]:
        items = self.features if isinstance(self.features, list) else []
        return [
            _in_language(str(item.get("en", "")), str(item.get("es", "")))
            if isinstance(item, dict)
            else str(item)
            for item in items
        ]


class Organisation(models.Model):
    """A business customer. Its admins buy seats and manage members; an attested
    domain lets readers with a verified address there join while seats last."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="administered_organisations"
    )
    domain = models.CharField(max_length=253, blank=True)
    # Set when an admin attests the organisation controls ``domain`` (no DNS check).
    domain_verified_at = models.DateTimeField(null=True, blank=True)
    domain_join_enabled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One organisation per attested domain: two could otherwise both open it.
            models.UniqueConstraint(
                fields=["domain"], condition=~Q(domain=""), name="organisation_unique_domain"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def domain_open(self) -> bool:
        return bool(self.domain and self.domain_verified_at and self.domain_join_enabled)


class Subscription(models.Model):
    """A plan held by a reader or by an organisation (exactly one), with its status
    and period. ``seats`` is the number of places contracted now."""

    class Status(models.TextChoices):
        TRIALING = "trialing", pgettext_lazy("subscription status", "trial")
        ACTIVE = "active", pgettext_lazy("subscription status", "active")
        PAST_DUE = "past_due", pgettext_lazy("subscription status", "payment overdue")
        CANCELED = "canceled", pgettext_lazy("subscription status", "canceled")
        EXPIRED = "expired", pgettext_lazy("subscription status", "expired")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    owner_reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="owned_subscriptions",
    )
    organisation = models.OneToOneField(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="subscription"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    seats = models.PositiveSmallIntegerField(default=1)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    # Past due: readers keep reading until then (set when the payment fails).
    grace_until = models.DateTimeField(null=True, blank=True)
    # Downgrade waiting for the period's end.
    pending_plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider = models.CharField(max_length=12, default="demo")
    external_id = models.CharField(max_length=120, null=True, blank=True)
    # Time of the newest billing event applied: older ones are recorded, not applied.
    last_event_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_reader__isnull=False) & Q(organisation__isnull=True))
                | (Q(owner_reader__isnull=True) & Q(organisation__isnull=False)),
                name="subscription_has_one_owner",
            ),
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="subscription_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        owner = self.organisation or self.owner_reader
        return f"{self.plan} — {owner} ({self.status})"


class Seat(models.Model):
    """A place on a subscription. Its integer id keys the leases; a reader holds at
    most one seat anywhere (the unique constraint makes a double seat impossible)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="seat_set"
    )
    number = models.PositiveSmallIntegerField()
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seats",
    )
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["subscription_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "number"], name="seat_unique_number"),
            models.UniqueConstraint(
                fields=["holder"], condition=Q(holder__isnull=False), name="seat_one_per_reader"
            ),
        ]

    def __str__(self) -> str:
        return f"seat {self.number} of {self.subscription_id}"


class Invitation(models.Model):
    """An emailed offer of a seat; the link is a ``kiosco.lib.confirmation`` key."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        REVOKED = "revoked", _("revoked")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.state})"


class TermsVersion(models.Model):
    """One published version of the terms, in Markdown (raw HTML is escaped)."""

    version = models.CharField(max_length=20, unique=True)
    body = models.TextField()
    body_es = models.TextField(blank=True)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.version

    @property
    def display_body(self) -> str:
        return _in_language(self.body, self.body_es)


class TermsAcceptance(models.Model):
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reader", "version"], name="terms_accepted_once")
        ]

    def __str__(self) -> str:
        return f"{self.reader_id} accepted {self.version_id}"


class BillingEvent(models.Model):
    """Every event a billing provider sent, kept whether applied or not (nothing is
    lost). The unique (provider, event_id) makes delivery idempotent."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("waiting for its subscription")
        APPLIED = "applied", _("applied")
        # No longer produced (older events are merged now, see billing_snapshot); kept
        # for the rows stored before.
        IGNORED_OLDER = "ignored_older", _("ignored: older than the last applied")
        REJECTED = "rejected", _("rejected")

    provider = models.CharField(max_length=12)
    event_id = models.CharField(max_length=120)
    kind = models.CharField(max_length=20)
    external_id = models.CharField(max_length=120, db_index=True)
    occurred_at = models.DateTimeField()
    payload = models.JSONField(default=dict)
    # The normalised change (``billing.base.BillingChange``), to apply it later.
    change = models.JSONField(default=dict)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    detail = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="billing_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.kind} ({self.outcome})"
