"""Version tokens (kiosco/lib/hot.py) only go forward, and nothing is kept while the
store does not answer: what a process memorised under an older token is never served
again, whatever happens to the store."""

from __future__ import annotations

import time

import pytest
from django.core.cache import caches

from kiosco.lib import hot
from tests.support.caches import DOWN, on_redis

pytestmark = pytest.mark.django_db


def test_a_token_that_goes_back_in_time_is_moved_forward(redis_url: str) -> None:
    with on_redis(redis_url):
        first = hot.version("v:test:content")
        hot.bump("v:test:content")
        second = hot.version("v:test:content")
        caches["versions"].set("v:test:content", first)  # a store restored from a snapshot
        third = hot.version("v:test:content")
        assert len({first, second, third}) == 3
        assert hot.token_time(third) > hot.token_time(second) > hot.token_time(first)  # type: ignore[operator]


def test_a_bump_is_later_than_the_token_it_replaces_whatever_the_clocks(redis_url: str) -> None:
    with on_redis(redis_url):
        ahead = f"{time.time() + 3600:.3f}-fromaclockahead"  # written by a skewed instance
        caches["versions"].set("v:test:skew", ahead)
        hot.bump("v:test:skew")
        moved = hot.version("v:test:skew")
        assert moved != ahead and hot.token_time(moved) > hot.token_time(ahead)  # type: ignore[operator]


def test_nothing_is_kept_under_a_store_that_does_not_answer() -> None:
    with on_redis(DOWN):
        token = hot.version("v:test:down")
        assert token == "" and not hot.usable(token)


def test_a_process_memo_forgets_an_entry_after_its_seconds_and_keeps_only_the_newest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a process keeps under a version token outlives a lost change by ``seconds``
    at most, and never grows past its size (the least recently read goes first)."""
    now = [1000.0]
    monkeypatch.setattr(hot, "clock", lambda: now[0])
    memo: hot.LocalMemo[str] = hot.LocalMemo(2, seconds=60)
    memo.put("a", "page a")
    memo.put("b", "page b")
    now[0] += 59
    assert memo.get("a") == "page a"  # read: "b" is now the least recently used
    memo.put("c", "page c")
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == ("page a", None, "page c")
    now[0] += 1
    assert memo.get("a") is None  # 60 s after it was kept
    assert memo.get("c") == "page c"
    memo.put("a", "page a, again")
    assert memo.get("a") == "page a, again"
