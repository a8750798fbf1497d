from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosco.subscriptions.models import Seat, Subscription
from kiosco.subscriptions.services import entitlements_for, grants_access, reader_may_read

Status = Subscription.Status
BASE = datetime(2026, 1, 1, tzinfo=UTC)
offsets = st.integers(min_value=-90 * 24, max_value=90 * 24).map(
    lambda h: BASE + timedelta(hours=h)
)


@settings(max_examples=200, deadline=None)
@given(
    status=st.sampled_from(list(Status)),
    period_end=offsets,
    grace_until=st.none() | offsets,
    now=offsets,
)
def test_it_grants_access_by_status_and_dates_alone(status, period_end, grace_until, now):
    allowed = grants_access(status, period_end, grace_until, now)
    if status == Status.EXPIRED:
        assert not allowed
    elif status == Status.PAST_DUE:
        assert allowed == (grace_until is not None and now < grace_until)
    else:  # trialing, active, canceled: until the end of the period paid for
        assert allowed == (now < period_end)
    # Time only takes access away: a later instant never grants what an earlier denied.
    if not allowed:
        assert not grants_access(status, period_end, grace_until, now + timedelta(hours=1))


@pytest.mark.django_db
def test_it_gives_each_persona_a_seat_and_the_plan(people):
    alice, bob, carol, dave = (
        entitlements_for(p) for p in (people.alice, people.bob, people.carol, people.dave)
    )
    assert alice.can_read_subscriber_content and alice.plan_code == "digital" and alice.is_owner
    assert bob.plan_code == carol.plan_code == "premium"
    assert bob.seat_id != carol.seat_id and not carol.is_owner
    assert dave.organisation_name == "Acme Corporation" and dave.devices_per_seat == 1
    assert len({alice.seat_id, bob.seat_id, carol.seat_id, dave.seat_id}) == 4


@pytest.mark.django_db
def test_it_gives_nothing_to_a_reader_without_a_seat(erin):
    assert entitlements_for(erin).can_read_subscriber_content is False
    assert entitlements_for(None).seat_id is None
    assert reader_may_read(erin, object()) is False


@pytest.mark.django_db
def test_it_stops_access_when_the_subscription_expires(people):
    Subscription.objects.filter(owner_reader=people.bob).update(status=Status.EXPIRED)
    assert not reader_may_read(people.carol, object())
    assert entitlements_for(people.carol).seat_id is None
    assert Seat.objects.filter(holder=people.carol).exists()  # the seat row is still there


@pytest.mark.django_db
def test_it_reads_entitlements_in_one_query(people, django_assert_num_queries):
    with django_assert_num_queries(1):
        entitlements_for(people.carol)
