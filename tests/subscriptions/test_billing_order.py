"""Property: whatever order and however often a billing system delivers a subscription's
events, every event is stored once and the state is the merge of its events by field
recency: status from the newest event carrying a status, the latest period end, seats
and plan from the newest event carrying them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosco.subscriptions.billing.base import BillingChange
from kiosco.subscriptions.models import BillingEvent, Plan, Seat, Subscription
from kiosco.subscriptions.services.billing_events import receive_billing_change
from tests.support.personas import make_reader

T0 = datetime.now(UTC).replace(microsecond=0)
IMPLIED = {
    "renewed": "active",
    "payment_failed": "past_due",
    "canceled": "canceled",
    "seats_changed": None,
}


class _Rollback(Exception):
    pass


def _change(event_id, kind, hour, end_days=None, seats=None, plan=None):
    return BillingChange(
        provider="webhook",
        event_id=event_id,
        kind=kind,
        external_id="sub_prop",
        occurred_at=T0 + timedelta(hours=hour),
        plan_code=plan,
        seats=seats,
        period_end=T0 + timedelta(days=end_days) if end_days else None,
        owner_email="pat@example.com",
    )


def _expected(events):
    """The reference model: fold the events in event-time order."""
    status, end, seats, plan, plan_later = None, None, None, None, False
    for change in events:
        status = IMPLIED.get(change.kind, "active") or status
        if change.period_end and (end is None or change.period_end > end):
            end = change.period_end
        if change.plan_code and change.plan_code != plan:
            plan, plan_later = change.plan_code, True
        if change.seats:
            seats, plan_later = change.seats, False
    if plan_later or not seats:
        seats = Plan.objects.get(code=plan).seats
    return status, end, seats, plan


event_fields = st.tuples(
    st.sampled_from(sorted(IMPLIED)),
    st.one_of(st.none(), st.integers(min_value=10, max_value=90)),
    st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
    st.one_of(st.none(), st.sampled_from(["digital", "premium"])),
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None)
@given(
    fields=st.lists(event_fields, min_size=1, max_size=5),
    order=st.randoms(use_true_random=False),
    repeats=st.lists(st.integers(min_value=0, max_value=5), max_size=3),
)
def test_it_ends_in_the_merged_state_in_any_delivery_order(fields, order, repeats):
    events = [_change("evt_created", "created", 0, end_days=30, plan="digital")]
    events += [_change(f"evt_{n}", kind, n + 1, *rest) for n, (kind, *rest) in enumerate(fields)]
    deliveries = events + [events[i % len(events)] for i in repeats]
    order.shuffle(deliveries)
    try:
        with transaction.atomic():
            make_reader("pat@example.com", None)
            for change in deliveries:
                receive_billing_change(change)
            subscription = Subscription.objects.get(external_id="sub_prop")
            status, end, seats, plan = _expected(events)
            assert subscription.status == status
            assert subscription.current_period_end == end
            assert subscription.seats == seats
            assert Seat.objects.filter(subscription=subscription).count() == seats
            assert subscription.plan.code == plan
            assert subscription.last_event_at == events[-1].occurred_at
            assert BillingEvent.objects.count() == len(events)
            assert not BillingEvent.objects.filter(outcome="pending").exists()
            raise _Rollback
    except _Rollback:
        pass
