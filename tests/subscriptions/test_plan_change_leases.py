"""A plan change with fewer devices per seat ends the extra leases at once — not at
the seat's next page view — so "never more than N devices" holds throughout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import transaction
from pytest_django import Settings

from kiosco.leases import services as leases
from kiosco.leases.models import Slot
from kiosco.leases.notifiers.memory import InProcessNotifier
from kiosco.subscriptions.models import Plan, Seat, Subscription
from kiosco.subscriptions.services import lifecycle
from tests.support.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(settings: Settings) -> Iterator[InProcessNotifier]:
    settings.KIOSCO_LEASE_NOTIFIER = "kiosco.leases.notifiers.memory.InProcessNotifier"
    leases.notifier.cache_clear()
    notifier = leases.notifier()
    assert isinstance(notifier, InProcessNotifier)
    yield notifier
    leases.notifier.cache_clear()


def alice_reading_on_two_devices(people: Personas) -> tuple[Subscription, int]:
    """Alice's Digital plan allowed two devices per seat; both are reading."""
    Plan.objects.filter(code="digital").update(devices_per_seat=2)
    seat = Seat.objects.select_related("subscription__plan").get(holder=people.alice)
    for device in ("alice-phone", "alice-laptop"):
        leases.check_lease(seat.pk, 2, people.alice.pk, device, 0, None)
    assert Slot.objects.filter(seat=seat.pk, device__isnull=False).count() == 2
    return seat.subscription, seat.pk


def test_it_frees_the_extra_device_when_the_plan_changes_now(
    people: Personas, notices: InProcessNotifier, django_capture_on_commit_callbacks
) -> None:
    subscription, seat = alice_reading_on_two_devices(people)
    heard = notices.subscribe()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        lifecycle.change_plan_now(subscription, Plan.objects.get(code="premium"))
    held = Slot.objects.filter(seat=seat, device__isnull=False)
    assert list(held.values_list("slot", "device")) == [(0, "alice-phone")]
    notice = heard.get(timeout=1)
    assert notice is not None and (notice.device, notice.reason) == ("alice-laptop", "seat_shrunk")


def test_it_frees_the_extra_device_when_a_scheduled_downgrade_starts(
    people: Personas,
) -> None:
    subscription, seat = alice_reading_on_two_devices(people)
    Plan.objects.filter(code="premium").update(devices_per_seat=1)
    lifecycle.schedule_downgrade(subscription, Plan.objects.get(code="premium"))
    assert Slot.objects.filter(seat=seat, device__isnull=False).count() == 2  # until then
    end = Subscription.objects.get(pk=subscription.pk).current_period_end
    lifecycle.roll_over_periods(now=end + timedelta(minutes=1))
    assert Slot.objects.filter(seat=seat, device__isnull=False).count() == 1
