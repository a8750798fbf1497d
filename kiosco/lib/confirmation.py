"""The one confirmation module behind every emailed link (seat invitations today,
newsletter opt-in and the like tomorrow), after Zulip's ``confirmation`` app.

A confirmation is a random key (never derived from the object it names) that stands
for one object of one *kind*. Each kind registers its lifetime once; a key is valid
until it expires and can be used once. Callers:

    register_kind("seat_invitation", timedelta(days=7))
    link = create_confirmation("seat_invitation", invitation.id)
    confirmation = peek("seat_invitation", key)      # GET: look, change nothing
    confirmation = consume("seat_invitation", key)   # POST: use it, once

``peek`` and ``consume`` raise a :class:`ConfirmationError` subclass (malformed,
expired, used, withdrawn) that :func:`error_response` turns into its own page, so a reader
always learns *why* a link did not work.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kiosco.lib.models import Confirmation

_KEY_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_LIFETIMES: dict[str, timedelta] = {}
_WITHDRAWN = "withdrawn"  # a flag in Confirmation.data


class ConfirmationError(Exception):
    """Why a key cannot be used; ``reason`` names the page that explains it."""

    reason = "malformed"
    status = 404


class ConfirmationMalformed(ConfirmationError):
    reason = "malformed"
    status = 404


class ConfirmationExpired(ConfirmationError):
    reason = "expired"
    status = 410


class ConfirmationUsed(ConfirmationError):
    reason = "used"
    status = 410


class ConfirmationWithdrawn(ConfirmationExpired):
    """Expired early because its sender took it back (an invitation revoked): its page
    says so, rather than blaming the reader for waiting too long."""

    reason = "withdrawn"
    status = 410


def register_kind(kind: str, lifetime: timedelta) -> None:
    """Declare a kind of link and how long its keys live (call at import time)."""
    _LIFETIMES[kind] = lifetime


def lifetime_of(kind: str) -> timedelta:
    try:
        return _LIFETIMES[kind]
    except KeyError:
        raise LookupError(f"Unknown confirmation kind {kind!r}: call register_kind first") from None


def create_confirmation(
    kind: str, object_id: int, data: dict[str, Any] | None = None
) -> Confirmation:
    """A fresh key for one object; older keys for it stay valid until used or withdrawn.

    The row stores only the key's SHA-256 (a copy of the table opens no link); the
    returned instance carries the key itself in ``key``, the one time it exists, for
    the link being sent."""
    key = secrets.token_urlsafe(32)
    confirmation = Confirmation.objects.create(
        key=_digest(key),
        kind=kind,
        object_id=object_id,
        data=data or {},
        expires_at=timezone.now() + lifetime_of(kind),
    )
    confirmation.key = key
    return confirmation


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def find(kind: str, key: str) -> Confirmation | None:
    """The confirmation behind ``key`` in any state (used, expired …), or None."""
    if not _KEY_SHAPE.match(key or ""):
        return None
    return Confirmation.objects.filter(kind=kind, key=_digest(key)).first()


def peek(kind: str, key: str) -> Confirmation:
    """The confirmation behind ``key``, unchanged; raises if it cannot be used."""
    confirmation = find(kind, key)
    if confirmation is None:
        raise ConfirmationMalformed(key)
    if confirmation.used_at is not None:
        raise ConfirmationUsed(key)
    if confirmation.expires_at <= timezone.now():
        if confirmation.data.get(_WITHDRAWN):
            raise ConfirmationWithdrawn(key)
        raise ConfirmationExpired(key)
    return confirmation


def consume(kind: str, key: str) -> Confirmation:
    """Use ``key`` once. Call inside the transaction that does what the link asks, so
    a failure there leaves the key unused."""
    peek(kind, key)
    now = timezone.now()
    # Compare-and-set: only an unused, unexpired row flips. Two clicks racing both pass
    # peek(); the one whose UPDATE matches no row sees "already used".
    updated = Confirmation.objects.filter(
        kind=kind, key=_digest(key), used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if updated != 1:
        peek(kind, key)  # raises the precise reason (used, or expired meanwhile)
        raise ConfirmationUsed(key)  # pragma: no cover - defensive
    return Confirmation.objects.get(kind=kind, key=_digest(key))


def withdraw(kind: str, object_id: int) -> int:
    """Expire every unused key for one object (an invitation revoked), marked so its
    page says "withdrawn" rather than "expired". Returns how many."""
    now = timezone.now()
    live = Confirmation.objects.filter(
        kind=kind, object_id=object_id, used_at__isnull=True, expires_at__gt=now
    )
    withdrawn = 0
    for confirmation in live:  # one object has a handful of keys at most
        confirmation.expires_at = now
        confirmation.data = {**confirmation.data, _WITHDRAWN: True}
        confirmation.save(update_fields=["expires_at", "data"])
        withdrawn += 1
    return withdrawn


def error_response(request: HttpRequest, error: ConfirmationError) -> HttpResponse:
    """The page that explains a link that did not work: malformed, expired, used or
    withdrawn."""
    return render(
        request, f"confirmation/{error.reason}.html", {"reason": error.reason}, status=error.status
    )
