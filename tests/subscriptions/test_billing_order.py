"""Property: whatever order and however often a billing system delivers a subscription's
events, every event is stored once and the state is the one its newest event implies."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosco.subscriptions.billing.base import BillingChange
from kiosco.subscriptions.models import BillingEvent, Subscription
from kiosco.subscriptions.services.billing_events import receive_billing_change
from tests.support.personas import make_reader

T0 = datetime.now(UTC).replace(microsecond=0)
IMPLIED = {"renewed": "active", "payment_failed": "past_due", "canceled": "canceled"}


class _Rollback(Exception):
    pass


def _change(event_id: str, kind: str, hour: int) -> BillingChange:
    return BillingChange(
        provider="webhook",
        event_id=event_id,
        kind=kind,
        external_id="sub_prop",
        occurred_at=T0 + timedelta(hours=hour),
        plan_code="digital",
        period_end=T0 + timedelta(days=30 + hour),
        owner_email="pat@example.com",
    )


@pytest.mark.django_db
@settings(max_examples=30, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(sorted(IMPLIED)), min_size=1, max_size=5),
    order=st.randoms(use_true_random=False),
    repeats=st.lists(st.integers(min_value=0, max_value=5), max_size=3),
)
def test_it_ends_in_the_newest_events_state_in_any_delivery_order(kinds, order, repeats):
    events = [_change("evt_created", "created", 0)]
    events += [_change(f"evt_{n}", kind, n + 1) for n, kind in enumerate(kinds)]
    deliveries = events + [events[i % len(events)] for i in repeats]
    order.shuffle(deliveries)
    try:
        with transaction.atomic():
            make_reader("pat@example.com", None)
            for change in deliveries:
                receive_billing_change(change)
            subscription = Subscription.objects.get(external_id="sub_prop")
            assert subscription.status == IMPLIED[kinds[-1]]
            assert subscription.last_event_at == events[-1].occurred_at
            assert BillingEvent.objects.count() == len(events)
            assert not BillingEvent.objects.filter(outcome="pending").exists()
            raise _Rollback
    except _Rollback:
        pass
