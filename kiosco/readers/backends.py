"""Authentication backends that find a signed-in reader in the cache.

Django's backends load the reader from the database on every request. These answer
``get_user`` from the reader's snapshot (``readers/snapshot.py``), fetched with the
request's other cache keys in one round trip; sign-in itself (``authenticate``) is
unchanged: allauth's email login for readers, Django's for the admin's login form.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from kiosco.readers.snapshot import snapshot_of


class _CachedReader:
    def get_user(self, user_id: Any) -> Any:
        try:
            snapshot = snapshot_of(int(user_id))
        except (TypeError, ValueError):
            return None
        if snapshot is None:
            return None
        reader = snapshot.reader
        return reader if self.user_can_authenticate(reader) else None  # type: ignore[attr-defined]


class ReaderBackend(_CachedReader, AuthenticationBackend):
    """allauth's backend (email and password), with the cached reader."""


class StaffBackend(_CachedReader, ModelBackend):
    """Django's backend (the admin's login form), with the cached reader."""
