"""Held hints (kiosco/leases/hints.py) on the real Redis: a device that holds reads
without a lease read, and every change of holder stops the hint at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from kiosco.leases import hints
from kiosco.leases.engine import Engine
from kiosco.leases.results import Device, Policy
from kiosco.leases.stores import LeaseStore, SlotState
from kiosco.newsroom.models import Article
from tests.support.caches import DOWN, on_redis
from tests.support.content import SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_cache")]


def lease_reads(browser: Client, article: Article) -> tuple[str, int]:
    """The page's HTML and how many statements read the lease table for it."""
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(article.get_absolute_url())
    assert response.status_code == 200
    reads = [q for q in captured.captured_queries if "leases_slot" in q["sql"]]
    return response.content.decode(), len(reads)


def hinted(browser: Client, article: Article) -> None:
    """Read until the lease is held from a hint (the first view claims, the second
    reads it as held and leaves the hint)."""
    for _ in range(2):
        browser.get(article.get_absolute_url())
    html, reads = lease_reads(browser, article)
    assert SECRET in html and reads == 0


def test_a_device_that_holds_reads_on_without_reading_the_lease_table(
    people, article, device
) -> None:
    laptop = device(people.alice)
    html, reads = lease_reads(laptop, article)
    assert SECRET in html and reads >= 1  # the claim

    hinted(laptop, article)


def test_continue_reading_here_stops_a_hinted_device_at_its_next_page(
    people, article, device
) -> None:
    laptop, phone = device(people.alice), device(people.alice)
    hinted(laptop, article)
    phone.get(article.get_absolute_url())  # the dialog
    response = phone.post("/paywall/continue/", {"next": article.get_absolute_url()})
    assert response.status_code == 302

    html, reads = lease_reads(laptop, article)

    assert SECRET not in html and reads >= 1
    assert "Your reading continued on another device" in html


def test_a_hinted_device_that_put_its_page_away_must_ask_again(people, article, device) -> None:
    laptop, phone = device(people.alice), device(people.alice)
    hinted(laptop, article)
    assert laptop.post("/paywall/release/").status_code == 204  # the tab was hidden
    assert SECRET in phone.get(article.get_absolute_url()).content.decode()

    html, _ = lease_reads(laptop, article)

    assert SECRET not in html and "is being read on another device" in html


def test_a_password_change_ends_the_hinted_reading_of_every_other_device(
    people, article, device
) -> None:
    from tests.paywall.conftest import PASSWORD

    laptop, phone = device(people.alice), device(people.alice)
    hinted(laptop, article)
    new = "another long harbour password 77"
    response = phone.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302

    assert SECRET not in laptop.get(article.get_absolute_url()).content.decode()


def test_a_hint_written_before_a_change_of_holder_vouches_for_nothing(
    people, article, device
) -> None:
    """The race the fence is for: a check read the rows, a takeover committed, and
    only then did the check write its hint."""
    laptop, phone = device(people.alice), device(people.alice)
    hinted(laptop, article)
    key = next(k for k in _hint_keys() if k.startswith("lease-ok:"))
    stale = cache.get(key)
    phone.get(article.get_absolute_url())
    phone.post("/paywall/continue/", {"next": article.get_absolute_url()})
    cache.set(key, stale, 30)  # the late write lands after the fence

    html, reads = lease_reads(laptop, article)

    assert SECRET not in html and reads >= 1


def test_fences_only_go_up(people) -> None:
    row = SlotState(seat=7, slot=0, generation=12)
    hints.fence([row])
    hints.fence([row._replace(generation=11)])  # a change that landed late

    assert cache.get(hints.fence_key(7, 0)) == 12


def test_with_redis_down_the_engine_answers_and_the_page_reads(people, article, device) -> None:
    laptop = device(people.alice)
    with on_redis(DOWN):
        html, reads = lease_reads(laptop, article)
        assert SECRET in html and reads >= 1
        html, reads = lease_reads(laptop, article)
        assert SECRET in html and reads >= 1  # no hint without a cache: the table, each time


def test_a_hint_lives_no_longer_than_the_engine_would_wait_to_write(
    people, article, device, settings
) -> None:
    settings.KIOSCO_LEASE_TTL = 20  # renewal due 10 s after each write
    laptop = device(people.alice)
    hinted(laptop, article)
    key = next(k for k in _hint_keys() if k.startswith("lease-ok:"))

    client = cache._cache.get_client()  # type: ignore[attr-defined]
    left_ms = client.pttl(cache.make_and_validate_key(key))

    assert 0 < left_ms <= (10 - hints.MARGIN) * 1000


def _hint_keys() -> list[str]:
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    prefix = cache.make_and_validate_key("")
    return [k.decode()[len(prefix) :] for k in client.scan_iter(prefix + "lease-*")]


# --- the rule, for any timings -------------------------------------------------------
times = st.floats(min_value=0, max_value=10_000, allow_nan=False)


@given(
    ttl=st.integers(min_value=10, max_value=3600),
    idle=st.integers(min_value=10, max_value=3600),
    acquired=times,
    expires_in=st.floats(min_value=0, max_value=3600),
    input_ago=st.floats(min_value=0, max_value=3600),
    read_after=st.floats(min_value=0, max_value=3600),
    reported_idle=st.floats(min_value=0, max_value=10_000),
    within=st.floats(min_value=0, max_value=1),
)
def test_while_a_hint_lives_the_engine_would_answer_held_without_writing(
    ttl, idle, acquired, expires_in, input_ago, read_after, reported_idle, within
) -> None:
    """For any lease timings: at every moment of a hint's life, the engine reading the
    same row would find it live and no write due, whatever input the page reports."""
    policy = Policy(ttl=float(ttl), idle=float(idle))
    now = acquired + read_after
    row = SlotState(
        seat=1, slot=0, generation=5, device="d", reader=1, acquired_at=acquired,
        expires_at=acquired + expires_in, input_at=now - input_ago,
    )  # fmt: skip
    seconds = hints.lifetime(row, now, policy)
    later = now + within * seconds

    assert 0 <= seconds <= hints.HINT_SECONDS
    if seconds > 0:
        engine = Engine(store=cast(LeaseStore, _NoStore()), policy=policy)
        me = Device(reader=1, device="d", idle=reported_idle)
        assert row.is_live(later)
        assert not engine._due(row, me, later)


class _NoStore:
    """The rule needs no store; any call would be a bug in the test."""

    def __getattr__(self, name: str) -> Callable[..., object]:
        raise AssertionError(f"the rule touched the store: {name}")
