"""What every page needs to know of the signed-in reader, cached as one entry.

The account itself (``request.user``), and what the apps above add through
``KIOSCO_READER_SNAPSHOT`` (dotted paths of ``f(reader) -> (data, until)``): the
subscriptions app its entitlement and header summary, insights the sharing notice.
A page then costs no query for any of it, and one cache round trip with the rest of
the request's keys (``kiosco.lib.hot``).

The entry is tagged with the reader's version (``reader:<tag>:v``, ``reader_tag``). Whatever changes
one of its parts moves the version (``forget_reader``): the reader saved (password,
email, language), a seat, subscription or plan changed, a takeover, a terms
acceptance. A part that stops being true by time alone says when (``until``: the
end of a paid period, a grace period, a notice's quiet days), and the entry is
rebuilt once that time has passed. ``MAX_AGE`` bounds any change a code path forgot to
announce.

The cached reader has no password hash: the field is deferred, so anything that
checks or changes the password loads it from the database, and the session's auth
hash is kept instead, computed when the entry was built (``Reader.get_session_auth_hash``).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import pickle
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache as memoize
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from kiosco.lib import hot
from kiosco.lib.hot import build_id
from kiosco.readers.models import Reader

MAX_AGE = 300  # seconds an entry lives at most, announced changes or not
VERSION_SECONDS = 30 * 86_400  # a reader's version key lives this long unused
Contributor = Callable[[Reader], tuple[Any, float | None]]


@dataclass(frozen=True)
class Snapshot:
    version: str
    reader: Reader
    parts: Mapping[str, Any] = field(default_factory=dict)  # shared: never changed
    until: float | None = None  # a part stops being true by time then
    built: float = 0.0  # when: names this very entry (a rebuild after ``until`` keeps the version)

    def fresh(self, version: str, now: float) -> bool:
        return self.version == version and (self.until is None or now < self.until)


def reader_tag(reader_id: int) -> str:
    """The reader's keys are named by a keyed hash of their id: the same tag can travel
    in a cookie (readers/sessions.py) without telling anyone the account's number."""
    return _tag(int(reader_id), settings.SECRET_KEY)


@lru_cache(maxsize=8192)
def _tag(reader_id: int, secret: str) -> str:
    mac = hmac.new(secret.encode(), f"kiosco-reader:{reader_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:24]


def snapshot_keys(tag: str) -> list[str]:
    """The reader's version key and entry key."""
    return [f"v:reader:{tag}", f"reader:{tag}:snapshot:{build_id()}"]


def _version_key(reader_id: int) -> str:
    return snapshot_keys(reader_tag(reader_id))[0]


def _entry_key(reader_id: int) -> str:
    return snapshot_keys(reader_tag(reader_id))[1]


@memoize
def _contributors() -> tuple[tuple[str, Contributor], ...]:
    paths: dict[str, str] = getattr(settings, "KIOSCO_READER_SNAPSHOT", {})
    return tuple((name, import_string(path)) for name, path in paths.items())


def snapshot_of(reader_id: int) -> Snapshot | None:
    """The reader's snapshot, from the cache or built now (once per request); None for
    no such reader."""
    return hot.per_request(f"snapshot:{reader_id}", lambda: _snapshot_of(reader_id))


def _snapshot_of(reader_id: int) -> Snapshot | None:
    version = _version_of(reader_id)
    cached = _decoded(hot.get(_entry_key(reader_id)))
    if cached is not None and cached.fresh(version, time.time()):
        return _with_own_reader(cached)
    reader = Reader.objects.filter(pk=reader_id).first()
    if reader is None:
        return None
    built = build(reader, version)
    if hot.usable(version):  # while the cache does not answer, nothing is kept
        hot.put(_entry_key(reader_id), Entry.of(built), MAX_AGE)
    return built


# --- the entry in the cache, decoded once per process ----------------------------------
@dataclass(frozen=True)
class Entry:
    """A snapshot as the cache keeps it: pickled on its own, inside. Unpickling one
    (a model instance, dataclasses, aware datetimes: a dozen classes, each looked up
    through the import system) on every request was 0.11 M instructions of a
    subscriber's page (``bench/bench_instructions.py``); the wrapper is plain bytes,
    each process decodes the same bytes once (``_decoded``), and a request pays only
    for its own copy of the reader (0.08 M)."""

    data: bytes

    @classmethod
    def of(cls, snapshot: Snapshot) -> Entry:
        return cls(pickle.dumps(snapshot, pickle.HIGHEST_PROTOCOL))


_snapshots: hot.LocalMemo[Snapshot] = hot.LocalMemo(4096)


def _decoded(entry: Any) -> Snapshot | None:
    """The snapshot in a cache entry, shared by every request of this process that
    reads the same bytes: its parts are frozen, and each request gets its own copy of
    the reader (``_with_own_reader``)."""
    if not isinstance(entry, Entry):
        return None
    key = hashlib.blake2b(entry.data, digest_size=16).hexdigest()
    snapshot = _snapshots.get(key)
    if snapshot is None:
        loaded = pickle.loads(entry.data)  # our own cache: Django pickles every value
        if not isinstance(loaded, Snapshot):
            return None
        snapshot = _snapshots.put(key, loaded)
    return snapshot


def _with_own_reader(snapshot: Snapshot) -> Snapshot:
    """``request.user`` is this copy: a view may change it (a form bound to the
    account), and no other request may see that."""
    own = copy.copy(snapshot.reader)
    return Snapshot(snapshot.version, own, snapshot.parts, snapshot.until, snapshot.built)


def build(reader: Reader, version: str) -> Snapshot:
    parts, until = {}, None
    for name, contribute in _contributors():
        parts[name], ends = contribute(reader)
        if ends is not None:
            until = ends if until is None else min(until, ends)
    return Snapshot(version, _without_password(reader), parts, until, time.time())


def _without_password(reader: Reader) -> Reader:
    reader.keep_session_auth_hash()
    del reader.__dict__["password"]  # deferred: a later read loads it from the database
    return reader


def current(reader: Any) -> Snapshot | None:
    """The signed-in reader's snapshot (None for anyone else)."""
    if reader is None or not getattr(reader, "is_authenticated", False):
        return None
    return snapshot_of(reader.pk)


def part(reader: Any, name: str) -> Any:
    """One app's part of a signed-in reader's snapshot (None for anyone else)."""
    snap = current(reader)
    return snap.parts.get(name) if snap is not None else None


def _version_of(reader_id: int) -> str:
    """The reader's own version, then every shared one the parts depend on
    (``KIOSCO_SNAPSHOT_VERSIONS``: the plans' catalogue…); ``""`` if any is unknown."""
    tokens = [hot.version(_version_key(reader_id), VERSION_SECONDS)]
    tokens += [hot.version(key) for key in shared_versions()]
    return "|".join(tokens) if all(hot.usable(t) for t in tokens) else ""


def shared_versions() -> list[str]:
    """Version keys every snapshot depends on: an app whose change would touch many
    readers at once (a plan renamed) moves one of these instead of each reader's."""
    return list(getattr(settings, "KIOSCO_SNAPSHOT_VERSIONS", []))


def forget_reader(reader_id: int | None) -> None:
    """Something on the reader's pages changed: the next request rebuilds the entry."""
    if reader_id is not None:
        hot.bump(_version_key(reader_id), VERSION_SECONDS)
