"""Readers: the accounts people sign in with (by email, never by username)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


def normalise_email(address: str) -> str:
    """The one stored form of an address: trimmed and lower-cased, as allauth stores its
    EmailAddress rows. Compare addresses in this form and exactly: SQL's case-insensitive
    match (``iexact`` is UPPER() on PostgreSQL) folds a dotless i (U+0131) into ``I``, so
    ``victim@b\u0131gcorp.example`` would pass for ``victim@bigcorp.example``."""
    return address.strip().lower()


class ReaderManager(BaseUserManager["Reader"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> Reader:
        if not email:
            raise ValueError("A reader needs an email address.")
        reader = self.model(email=normalise_email(self.normalize_email(email)), **extra)
        reader.set_password(password)
        reader.save(using=self._db)
        return reader

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> Reader:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> Reader:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class Reader(AbstractUser):
    """An account. The email address is the login; there is no username."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True, max_length=254)
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        default="en",
        choices=[("en", "English"), ("es", "Español")],
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[ReaderManager] = ReaderManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.email

    # The hot path keeps the reader cached without its password hash (readers/snapshot.py):
    # the session's auth hash is computed once, when the cache entry is built.
    def keep_session_auth_hash(self) -> None:
        self.__dict__["_session_auth_hash"] = super().get_session_auth_hash()

    def get_session_auth_hash(self) -> str:
        kept = self.__dict__.get("_session_auth_hash")
        return kept if kept is not None else super().get_session_auth_hash()

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.__dict__.pop("_session_auth_hash", None)  # the kept hash is the old password's


class SecurityEvent(models.Model):
    """A security-relevant fact about a reader, tagged ``source:subject:action``
    (see ``kiosco.readers.events``). Append-only."""

    reader = models.ForeignKey(
        Reader, null=True, blank=True, on_delete=models.CASCADE, related_name="security_events"
    )
    tag = models.CharField(max_length=80, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.tag} @ {self.created_at:%Y-%m-%d %H:%M}"


class Device(models.Model):
    """One browser of one reader, known by the random id in its ``kiosco_device``
    cookie (never a fingerprint). A row exists while the device is signed in."""

    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="devices")
    device_id = models.CharField(max_length=64)
    label = models.CharField(max_length=120, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["reader", "device_id"], name="device_once_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.label or self.device_id[:8]} ({self.reader_id})"
