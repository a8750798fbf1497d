"""Sessions in Redis, written through to the database (Django's ``cached_db``), read
with the request's other cache keys in one round trip (``kiosco.lib.hot``).

``hot_keys`` names the session's cache key from the session cookie, and the signed-in
reader's snapshot keys from the ``kiosco_reader`` cookie: an opaque tag of the reader
(a keyed hash of their id, so it says nothing of the account), set once they sign in.
The tag is only a hint for the batch. Who is signed in is the session's to say: a
missing, stale or forged tag only means the reader's entries are fetched on their own.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.http import HttpRequest, HttpResponse

from kiosco.lib import hot
from kiosco.readers.snapshot import reader_tag, snapshot_keys

READER_COOKIE = "kiosco_reader"
_SESSION_KEY = re.compile(r"^[a-z0-9]{32}$")  # what Django's session keys look like
_TAG = re.compile(r"^[0-9a-f]{24}$")


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        if settings.SESSION_CACHE_ALIAS == "default":
            data = hot.get(self.cache_key)  # fetched with the request's other keys
            if data is not None:
                return data  # type: ignore[no-any-return]
        return super().load()  # type: ignore[no-any-return]


def hot_keys(request: HttpRequest) -> list[str]:
    """``KIOSCO_HOT_KEYS``: the session and the signed-in reader, from the cookies."""
    keys = []
    if __name__ == settings.SESSION_ENGINE:
        session = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
        if _SESSION_KEY.match(session):
            keys.append(cached_db.KEY_PREFIX + session)
    tag = request.COOKIES.get(READER_COOKIE, "")
    if _TAG.match(tag):
        keys += snapshot_keys(tag)
    return keys


def keep_reader_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """The tag follows who is signed in: set at sign-in, gone at sign-out."""
    user = getattr(request, "user", None)
    kept = request.COOKIES.get(READER_COOKIE)
    if user is not None and user.is_authenticated:
        tag = reader_tag(user.pk)
        if kept != tag:
            response.set_cookie(
                READER_COOKIE,
                tag,
                max_age=settings.SESSION_COOKIE_AGE,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
    elif kept is not None:
        response.delete_cookie(READER_COOKIE, samesite="Lax")
