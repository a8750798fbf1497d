"""The hot path's cache reads: one round trip per request, and memory per process.

Every page reads a few small facts that change rarely: the content version, the reader
(account, seat, entitlement, notice), the current terms. One by one each is a round
trip to the cache. Here the first such read of a request fetches every key the request
will need at once, and later reads are answered from that batch. Which keys a request
needs comes from the providers in ``KIOSCO_HOT_KEYS`` (dotted paths of
``f(request) -> list[str]``), so the apps above this one add theirs without an import
upward. ``HotMiddleware`` opens a batch per request in a context variable (each thread
and task has its own); outside a request a read goes straight to the store.

Versions: a *version key* (named ``v:…``) holds a token that a change replaces.
Entries cached under (or tagged with) the token are simply never read again after the
change. Tokens live in the ``versions`` cache: the default cache with Redis; without
it, a database table, because every process that changes content (a worker, a command
in a terminal) must move the token the serving process reads. A change moves the token
twice, at once and after commit: a request that read the old rows just before the
commit and stored what it built must not have it taken for new. Tokens only go
forward: a new one is later than the one it replaces, and a process that reads a token
older than one it has already seen (a Redis restored from a snapshot, a lagging
replica) treats the key as lost and moves it on. While the store cannot be read, the
version is ``""``: nothing is cached under it (``usable``).

``LocalMemo``: what is cached under a version token never changes, so each process
may keep it in its own memory (an article, a rendered page) and skip even the cache's
round trip; a bounded LRU whose entries also expire (cachetools), behind a lock
(granian serves a worker's requests from several threads).
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
from django.core.cache import BaseCache, cache, caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

T = TypeVar("T")
VERSION_PREFIX = "v:"
MEMO_SECONDS = 600  # the longest a process keeps anything, announced changes or not


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


def _versions() -> BaseCache:
    return caches["versions"]


def _store(key: str) -> BaseCache:
    return _versions() if key.startswith(VERSION_PREFIX) else cache


def _get_many(keys: list[str]) -> dict[str, Any]:
    """One round trip where the version tokens live with the rest (Redis), two otherwise."""
    if getattr(settings, "KIOSCO_VERSIONS_IN_DEFAULT_CACHE", False):
        return cache.get_many(keys)
    tokens = [k for k in keys if k.startswith(VERSION_PREFIX)]
    others = [k for k in keys if not k.startswith(VERSION_PREFIX)]
    found = _versions().get_many(tokens) if tokens else {}
    return {**found, **(cache.get_many(others) if others else {})}


class Batch:
    """The cache values one request reads, fetched together on the first read."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.values: dict[str, Any] | None = None
        self.asked: set[str] = set()
        self.derived: dict[str, Any] = {}  # what this request worked out from them

    def get(self, key: str) -> Any:
        if self.values is None:
            keys = [key, *(k for provider in _providers() for k in provider(self.request))]
            self.values = _get_many(keys)
            self.asked = set(keys)
        if key in self.values or key in self.asked:
            return self.values.get(key)
        value = self.values[key] = _store(key).get(key)  # a key no provider named
        self.asked.add(key)
        return value

    def remember(self, key: str, value: Any) -> None:
        if self.values is not None:
            self.values[key] = value
            self.asked.add(key)


_batch: ContextVar[Batch | None] = ContextVar("kiosco_hot_batch", default=None)


def per_request(name: str, work: Callable[[], T]) -> T:
    """``work()`` once per request (the content version, a reader's snapshot: read in
    several places of one page); outside a request, every time."""
    batch = _batch.get()
    if batch is None:
        return work()
    if name not in batch.derived:
        batch.derived[name] = work()
    return batch.derived[name]  # type: ignore[no-any-return]


def forget_per_request(name: str) -> None:
    batch = _batch.get()
    if batch is not None:
        batch.derived.pop(name, None)


def get(key: str) -> Any:
    batch = _batch.get()
    return batch.get(key) if batch is not None else _store(key).get(key)


def put(key: str, value: Any, timeout: float | None) -> None:
    _store(key).set(key, value, timeout)
    _remember(key, value)


def _remember(key: str, value: Any) -> None:
    batch = _batch.get()
    if batch is not None:
        batch.remember(key, value)


# --- what may lag other processes briefly --------------------------------------------
_recent: dict[str, tuple[float, str]] = {}  # key -> (when read, token)
clock = time.monotonic  # tests move it


def recently(key: str, seconds: float, work: Callable[[], str]) -> str:
    """``work()`` (a version token for ``key``) at most once every ``seconds`` in this
    process, for what may lag a change made by another process that long (a page every
    anonymous visitor shares: a proxy in front keeps it longer still). A change made in
    this process (``bump``) is seen at once; an unusable token is never kept."""
    kept = _recent.get(key)
    now = clock()
    if kept is not None and now - kept[0] < seconds:
        return kept[1]
    token = work()
    if usable(token):
        _recent[key] = (now, token)
    return token


def forget_recent(key: str | None = None) -> None:
    """Forget what ``recently`` kept for ``key`` (None: for every key)."""
    if key is None:
        _recent.clear()
    else:
        _recent.pop(key, None)


# --- version tokens ------------------------------------------------------------------
_seen: LRUCache[str, float] = LRUCache(maxsize=100_000)  # newest token time per key
_seen_lock = threading.Lock()


def new_token(after: float = 0.0) -> str:
    """A version token: when it was made (later than ``after``: a token replacing
    another is always the later one, whatever the clocks), and randomness."""
    return f"{max(time.time(), after + 0.001):.3f}-{uuid4().hex[:12]}"


def token_time(token: str) -> float | None:
    """When a token from ``new_token`` was made (None for any other string)."""
    try:
        return float(token.partition("-")[0])
    except ValueError:
        return None


def usable(token: str) -> bool:
    """Whether anything may be cached under ``token`` (not while the store is down)."""
    return bool(token)


def version(key: str, timeout: float | None = None) -> str:
    """The token under ``key``. A missing one (never set, evicted, Redis restarted) is
    created, ``add`` so that racing first readers agree; one older than a token this
    process has seen (the store went back in time) is moved on. ``""`` when the store
    does not answer. ``timeout``: how long an unused key may live (None: for good)."""
    token = get(key)
    when = token_time(token) if isinstance(token, str) else None
    with _seen_lock:
        newest = _seen.get(key, 0.0)
    if token is None or when is None or when < newest:
        token = _create(key, newest, timeout, replace=token is not None)
        when = token_time(token) or 0.0
    if token and when > newest:  # the usual read changes nothing: no second lock
        with _seen_lock:
            _seen[key] = max(when, _seen.get(key, 0.0))
    return str(token)


def _create(key: str, after: float, timeout: float | None, *, replace: bool) -> str:
    store = _versions()
    fresh = new_token(after)
    if replace:
        store.set(key, fresh, timeout)  # gone back in time: move it forward
    else:
        store.add(key, fresh, timeout)
    token = store.get(key)
    _remember(key, token)
    return str(token) if isinstance(token, str) else ""


def bump(key: str, timeout: float | None = None) -> None:
    """Move the version at once (this request's next read sees the change) and again
    after the surrounding transaction commits (see the module docstring)."""

    def move() -> None:
        store = _versions()
        current = store.get(key)
        after = token_time(current) if isinstance(current, str) else None
        with _seen_lock:
            after = max(after or 0.0, _seen.get(key, 0.0))
        fresh = new_token(after)
        store.set(key, fresh, timeout)
        _remember(key, fresh)
        forget_recent(key)
        batch = _batch.get()
        if batch is not None:
            batch.derived.clear()  # worked out from what just changed

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
    """A bounded per-process map for values keyed by a version token (immutable); an
    entry also expires after ``seconds``, so nothing outlives a change longer than that
    even if the change's token were lost.

    An LRU whose entries carry their own deadline, rather than cachetools' TTLCache: a
    page reads four or five of these maps, and TTLCache's bookkeeping on every read (a
    timer context, its expiry list) was 2.6% of a subscriber's page in instructions
    (``bench/bench_instructions.py``); an expired entry here is simply not answered
    and is replaced by the next ``put``."""

    def __init__(self, size: int, seconds: float = MEMO_SECONDS) -> None:
        self._items: LRUCache[str, tuple[float, T]] = LRUCache(maxsize=size)
        self._seconds = seconds
        self._lock = threading.Lock()

    def get(self, key: str) -> T | None:
        with self._lock:
            entry = self._items.get(key)
        if entry is None or entry[0] <= clock():
            return None
        return entry[1]

    def put(self, key: str, value: T) -> T:
        with self._lock:
            self._items[key] = (clock() + self._seconds, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
