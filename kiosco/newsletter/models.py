"""Newsletter lists, subscribers and their consent, issues and one delivery row per
issue and recipient (the row that makes a send resumable and never double)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

LANGUAGES = [("en", "English"), ("es", "Español")]


class Subscriber(models.Model):
    """One address on one language's list."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Subscribed")
        PAUSED = "paused", _("Paused")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    email = models.EmailField(max_length=254)
    language = models.CharField(max_length=8, choices=LANGUAGES)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="newsletter_subscriptions",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # When the last opt-in or "already subscribed" mail left (the resend cooldown).
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "language"], name="subscriber_once_per_list")
        ]
        indexes = [models.Index(fields=["language", "status"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.language})"


class Consent(models.Model):
    """What a subscriber agreed to, when, where and how (kept as evidence)."""

    class Action(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        CONFIRMED = "confirmed", _("Confirmed")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="consents")
    action = models.CharField(max_length=16, choices=Action.choices)
    given_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=300, blank=True)
    wording_version = models.CharField(max_length=40)
    ip_prefix = models.CharField(max_length=64, blank=True)  # /24 (IPv4) or /48 (IPv6)
    user_agent = models.CharField(max_length=512, blank=True)

    def __str__(self) -> str:
        return f"{self.subscriber} {self.action} {self.given_at:%Y-%m-%d}"


class Suppression(models.Model):
    """An address never mailed again (bounce, complaint, or by hand). Only the digest of
    the normalised address is kept: the list outlives the subscriber row."""

    class Reason(models.TextChoices):
        BOUNCE = "bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Spam complaint")
        MANUAL = "manual", _("Added by an editor")

    email_digest = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.reason} {self.email_digest[:12]}…"


class Issue(models.Model):
    """One week's newsletter for one language's list."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    language = models.CharField(max_length=8, choices=LANGUAGES)
    subject = models.CharField(max_length=200)
    intro = models.TextField(blank=True, max_length=4000)
    # Snapshot of the week's articles: [{"headline", "standfirst", "url"}] (never a body).
    items = models.JSONField(default=list, blank=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Moves forward with every batch: a send with no progress for a while is resumed.
    progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """One recipient of one issue. The unique pair and the claim before sending make a
    send idempotent: a restarted worker sends only rows still ``pending``."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CLAIMED = "claimed", _("Being sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped (suppressed or left)")
        FAILED = "failed", _("Refused by the mail server")

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "subscriber"], name="delivery_once")
        ]
        indexes = [models.Index(fields=["issue", "status"])]

    def __str__(self) -> str:
        return f"{self.issue_id}→{self.subscriber_id} {self.status}"


class WebhookEvent(models.Model):
    """A bounce or complaint event already received (a replay is a no-op)."""

    event_id = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.event_id
