"""The hot path's cache reads: one round trip per request, and memory per process.

Every page reads a few small facts that change rarely: the content version, the
reader (account, seat, entitlement, notice), the current terms. One by one each is a
round trip to the cache. Here the first such read of a request fetches every key the
request will need with one ``get_many``, and later reads are answered from that
batch. Which keys a request needs comes from the providers in ``KIOSCO_HOT_KEYS``
(dotted paths of ``f(request) -> list[str]``), so the apps above this one add theirs
without an import upward. ``HotMiddleware`` opens a batch per request in a context
variable (each thread and task has its own); outside a request a read goes straight
to the cache.

Versions: a *version key* holds a token that a change replaces. Entries cached under
(or tagged with) the token are simply never read again after the change. A change
moves the token twice, at once and after commit: a request that read the old rows
just before the commit and stored what it built must not have it taken for new.

``LocalMemo``: what is cached under a version token never changes, so each process
may keep it in its own memory (an article, a rendered page) and skip even the cache's
round trip; a bounded LRU from cachetools, behind a lock (granian serves a worker's
requests from several threads).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from functools import cache as memoize
from pathlib import Path
from typing import Any, Generic, TypeVar
from uuid import uuid4

from cachetools import LRUCache
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

T = TypeVar("T")


@memoize
def build_id() -> str:
    """This build of Kiosco: a digest of its code, templates, translations and static
    files. Entries whose shape or rendering depends on them (pages, a reader's snapshot,
    an article object) carry it in their key, so a deploy never serves what the previous
    build cached; the version keys do not, so an edit reaches every build."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


KeyProvider = Callable[[HttpRequest], list[str]]


@memoize
def _providers() -> tuple[KeyProvider, ...]:
    return tuple(import_string(path) for path in getattr(settings, "KIOSCO_HOT_KEYS", []))


class Batch:
    """The cache values one request reads, fetched together on the first read."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.values: dict[str, Any] | None = None
        self.asked: set[str] = set()

    def get(self, key: str) -> Any:
        if self.values is None:
            keys = [key, *(k for provider in _providers() for k in provider(self.request))]
            self.values = cache.get_many(keys)
            self.asked = set(keys)
        if key in self.values or key in self.asked:
            return self.values.get(key)
        value = self.values[key] = cache.get(key)  # a key no provider named
        self.asked.add(key)
        return value

    def remember(self, key: str, value: Any) -> None:
        if self.values is not None:
            self.values[key] = value
            self.asked.add(key)


_batch: ContextVar[Batch | None] = ContextVar("kiosco_hot_batch", default=None)


def get(key: str) -> Any:
    batch = _batch.get()
    return batch.get(key) if batch is not None else cache.get(key)


def put(key: str, value: Any, timeout: float | None) -> None:
    cache.set(key, value, timeout)
    batch = _batch.get()
    if batch is not None:
        batch.remember(key, value)


def new_token() -> str:
    """A version token: when it was made, and randomness (two changes in one instant
    still differ)."""
    return f"{time.time():.3f}-{uuid4().hex[:12]}"


def token_time(token: str) -> float | None:
    """When a token from ``new_token`` was made (None for any other string)."""
    try:
        return float(token.partition("-")[0])
    except ValueError:
        return None


def version(key: str) -> str:
    """The token under ``key``; a missing one (never set, evicted, Redis restarted) is
    created, ``add`` so that racing first readers agree."""
    token = get(key)
    if token is None:
        cache.add(key, new_token(), None)
        token = cache.get(key) or ""
        batch = _batch.get()
        if batch is not None:
            batch.remember(key, token)
    return str(token)


def bump(key: str) -> None:
    """Move the version at once (this request's next read sees the change) and again
    after the surrounding transaction commits (see the module docstring)."""

    def move() -> None:
        put(key, new_token(), None)

    move()
    transaction.on_commit(move)


class HotMiddleware:
    """Opens the request's batch. Place it before anything that reads the cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _batch.set(Batch(request))
        try:
            return self.get_response(request)
        finally:
            _batch.reset(token)


class LocalMemo(Generic[T]):
    """A bounded per-process map for values keyed by a version token (immutable)."""

    def __init__(self, size: int) -> None:
        self._items: LRUCache[str, T] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, key: str) -> T | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, value: T) -> T:
        with self._lock:
            self._items[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
