"""The Django-facing services: settings, signed tokens, notices after commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django import Settings

from kiosco.leases import services
from kiosco.leases.engine import Acquired, Busy, Displaced, Held, Refused, Released
from kiosco.leases.notifiers.memory import InProcessNotifier
from kiosco.leases.tokens import sign_token
from tests.leases.conftest import new_seat_id

pytestmark = pytest.mark.django_db

BOB, CAROL = 2, 3


@pytest.fixture
def notices(settings: Settings) -> Iterator[InProcessNotifier]:
    settings.KIOSCO_LEASE_NOTIFIER = "kiosco.leases.notifiers.memory.InProcessNotifier"
    services.notifier.cache_clear()
    notifier = services.notifier()
    assert isinstance(notifier, InProcessNotifier)
    yield notifier
    services.notifier.cache_clear()


def test_it_tells_the_displaced_device_only_after_commit(
    notices: InProcessNotifier, django_capture_on_commit_callbacks
) -> None:
    subscription = notices.subscribe()
    seat = new_seat_id()
    first = services.check_lease(seat, 1, BOB, "phone", 0, None)
    assert isinstance(first, Acquired)
    assert isinstance(services.check_lease(seat, 1, BOB, "laptop", 0, None), Busy)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        assert isinstance(services.take_over_lease(seat, 1, BOB, "laptop", 0, None), Acquired)
    assert subscription.get(timeout=0.01) is None and len(pending) == 1
    pending[0]()
    notice = subscription.get(timeout=1)
    assert notice is not None and (notice.device, notice.by) == ("phone", "laptop")
    token = sign_token(first.lease)
    assert isinstance(services.check_lease(seat, 1, BOB, "phone", 0, token), Displaced)


def test_it_renews_and_releases_with_a_signed_token() -> None:
    seat = new_seat_id()
    first = services.acquire_lease(seat, 1, BOB, "phone", 3, None)
    assert isinstance(first, Acquired)
    token = sign_token(first.lease)
    assert isinstance(services.renew_lease(token, BOB, "phone", 0), Held)
    assert services.renew_lease(token + "x", BOB, "phone", 0) == Refused("bad_token")
    assert services.renew_lease(token, BOB, "laptop", 0) == Refused("bad_token")
    assert services.release_lease(token, "phone") == Released(1)
    assert services.release_lease(token, "phone") == Refused("stale_generation")


def test_it_releases_on_every_release_path() -> None:
    seats = [new_seat_id() for _ in range(3)]
    services.check_lease(seats[0], 2, BOB, "phone", 0, None)
    services.check_lease(seats[0], 2, BOB, "laptop", 0, None)
    services.check_lease(seats[1], 1, CAROL, "carol-phone", 0, None)
    services.check_lease(seats[2], 1, CAROL, "carol-tablet", 0, None)
    assert services.release_device(BOB, "phone", "device_signed_out") == 1
    assert services.release_all_for_reader(BOB, "password_changed") == 1
    assert services.release_seat(seats[1], "seat_revoked") == 1
    assert services.release_all_for_reader(CAROL, "account_deleted") == 1
    assert services.release_all_for_reader(CAROL, "account_deleted") == 0


def test_it_reads_the_takeover_limit_from_settings(settings) -> None:
    settings.KIOSCO_LEASE_TAKEOVERS = 1
    seat = new_seat_id()
    services.check_lease(seat, 1, BOB, "phone", 0, None)
    assert isinstance(services.take_over_lease(seat, 1, BOB, "laptop", 0, None), Acquired)
    refused = services.take_over_lease(seat, 1, BOB, "phone", 0, None)
    assert refused == Refused("rate_limited")


def test_it_clamps_an_idle_time_no_page_could_measure() -> None:
    seat = new_seat_id()
    for idle in (float("nan"), float("inf"), -5.0, 1e300):
        result = services.check_lease(seat, 1, BOB, "phone", idle, None)
        assert isinstance(result, Acquired | Held)
