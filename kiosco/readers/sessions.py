"""Sessions in Redis, written through to the database (Django's ``cached_db``), read
with the request's other cache keys in one round trip (``kiosco.lib.hot``).

``hot_keys`` names the session's cache key from the session cookie, and the signed-in
reader's snapshot keys from the ``kiosco_reader`` cookie: the reader's tag (a keyed
hash of their id, ``snapshot.reader_tag``) masked with a keyed hash of the session, so
it says nothing of the account and differs on each device and after each sign-in. It
is only a hint for the batch. Who is signed in is the session's to say: a missing,
stale or forged value only means the reader's entries are fetched on their own.
"""

from __future__ import annotations

import hmac
import re
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import BaseCache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from kiosco.lib import hot
from kiosco.readers.snapshot import reader_tag, shared_versions, snapshot_keys

READER_COOKIE = "kiosco_reader"
_SESSION_KEY = re.compile(r"^[a-z0-9]{32}$")  # what Django's session keys look like
_TAG = re.compile(r"^[0-9a-f]{24}$")


CACHED_FOR = 300  # seconds a session stays in Redis before it is read from the database


class SessionStore(cached_db.SessionStore):
    """The database is the sessions' authority; Redis holds a copy for ``CACHED_FOR`` at
    most (Django keeps it as long as the session), so a sign-out whose deletion Redis
    lost (down, restarting, restored from a snapshot) holds within five minutes anyway.
    A deletion is also sent again once the transaction that ended the session commits."""

    # Django's own, which django-stubs does not declare:
    _cache: BaseCache
    _session: dict[str, Any]

    def load(self) -> dict[str, Any]:
        if settings.SESSION_CACHE_ALIAS == "default":
            data = hot.get(self.cache_key)  # fetched with the request's other keys
            if data is not None:
                return data  # type: ignore[no-any-return]
        django: Any = self  # Django's own row reader, untyped in django-stubs
        session = django._get_session_from_db()
        if session is None:
            return {}
        data = self.decode(session.session_data)
        self._cache.set(self.cache_key, data, self._cached_for(session.expire_date))
        return data  # type: ignore[no-any-return]

    def save(self, must_create: bool = False) -> None:
        super(cached_db.SessionStore, self).save(must_create)  # the database's row
        self._cache.set(self.cache_key, self._session, self._cached_for())

    def delete(self, session_key: str | None = None) -> None:
        key = session_key or self.session_key
        super().delete(session_key)
        if key is not None:
            cache_key = self.cache_key_prefix + key
            transaction.on_commit(lambda: self._cache.delete(cache_key))

    def _cached_for(self, expiry: Any = None) -> int:
        age = self.get_expiry_age(expiry=expiry) if expiry is not None else self.get_expiry_age()
        return max(0, min(int(age), CACHED_FOR))


def hot_keys(request: HttpRequest) -> list[str]:
    """``KIOSCO_HOT_KEYS``: the session and the signed-in reader, from the cookies."""
    keys: list[str] = []
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if not _SESSION_KEY.match(session):
        return keys
    if __name__ == settings.SESSION_ENGINE:
        keys.append(cached_db.KEY_PREFIX + session)
    tag = _unmasked(request.COOKIES.get(READER_COOKIE, ""), session)
    if tag is not None:
        keys += [*snapshot_keys(tag), *shared_versions()]
    return keys


def _mask(session_key: str) -> bytes:
    message = f"kiosco-reader:{session_key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, "sha256").digest()[:12]


@lru_cache(maxsize=4096)  # every page of a signed-in reader asks for the same pair
def _masked(tag: str, session_key: str) -> str:
    pairs = zip(bytes.fromhex(tag), _mask(session_key), strict=True)  # 12 bytes each
    return bytes(a ^ b for a, b in pairs).hex()


def _unmasked(value: str, session_key: str) -> str | None:
    return _masked(value, session_key) if _TAG.match(value) else None  # the mask undoes itself


def keep_reader_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """The hint follows who is signed in, on which session: set at sign-in (and when
    the session's key changes), gone at sign-out."""
    user = getattr(request, "user", None)
    kept = request.COOKIES.get(READER_COOKIE)
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and user.is_authenticated and session_key:
        value = _masked(reader_tag(user.pk), session_key)
        if kept != value:
            response.set_cookie(
                READER_COOKIE,
                value,
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
    elif kept is not None and "public" not in response.get("Cache-Control", ""):
        response.delete_cookie(READER_COOKIE, samesite="Lax")  # a shared page sets none
