"""Deleting an account never silently takes a paid subscription with it: bob (Premium
owner, carol on his second seat) and dave (acme's only admin) are refused with a clear
message and nothing is deleted; a subscription that has ended goes with its owner,
its seats' leases released."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kiosco.readers.models import Reader
from kiosco.readers.services import ReaderNotDeletable
from kiosco.subscriptions.models import Organisation, Seat, Subscription
from kiosco.subscriptions.services import entitlements_for, lifecycle
from kiosco.subscriptions.services.accounts import (
    SubscriptionKeepsAccount,
    prepare_account_deletion,
)
from tests.readers.conftest import PASSWORD, reauthenticate, sign_in
from tests.support.leases import holders, read_on
from tests.support.personas import make_reader, personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return personas()


def _delete_through_the_page(reader: Reader):
    reader.set_password(PASSWORD)
    reader.save(update_fields=["password"])
    client = sign_in(reader.email)
    reauthenticate(client)
    return client.post("/account/delete/", {"confirm": "on"})


def test_it_refuses_to_delete_an_owner_whose_subscription_still_runs(people):
    response = _delete_through_the_page(people.bob)
    assert response.status_code == 200
    assert b"Account deleted" not in response.content
    assert b"subscription" in response.content  # the page says what to do first
    assert Reader.objects.filter(pk=people.bob.pk).exists()
    assert Subscription.objects.filter(owner_reader=people.bob).exists()
    assert Seat.objects.filter(holder=people.carol).exists()
    assert entitlements_for(people.carol).can_read_subscriber_content
    assert holders(Seat.objects.get(holder=people.carol).pk) == []  # nobody read: untouched


def test_it_refuses_to_delete_the_last_admin_of_a_running_organisation(people):
    with pytest.raises(SubscriptionKeepsAccount, match="only admin of Acme"):
        prepare_account_deletion(people.dave)
    response = _delete_through_the_page(people.dave)
    assert b"Account deleted" not in response.content
    assert Reader.objects.filter(pk=people.dave.pk).exists()
    assert people.acme.admins.filter(pk=people.dave.pk).exists()


def test_it_deletes_an_admin_who_is_not_the_last(people):
    erin = make_reader("erin@acme.example", None)
    people.acme.admins.add(erin)
    response = _delete_through_the_page(people.dave)
    assert b"Account deleted" in response.content
    assert not Reader.objects.filter(pk=people.dave.pk).exists()
    assert list(Organisation.objects.get(pk=people.acme.pk).admins.all()) == [erin]


def test_it_deletes_an_owner_whose_subscription_expired_releasing_its_seats(people):
    subscription = Subscription.objects.get(owner_reader=people.bob)
    Subscription.objects.filter(pk=subscription.pk).update(
        status=Subscription.Status.CANCELED, current_period_end=timezone.now()
    )
    seat_ids = set(Seat.objects.filter(subscription=subscription).values_list("pk", flat=True))
    carols = Seat.objects.get(holder=people.carol)
    read_on(carols, people.carol)
    response = _delete_through_the_page(people.bob)
    assert b"Account deleted" in response.content
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    assert all(holders(seat) == [] for seat in seat_ids)  # carol's lease slot is free too
    assert not entitlements_for(people.carol).can_read_subscriber_content


def test_it_refuses_the_service_call_too(people, rf):
    from kiosco.readers.services import delete_reader

    request = rf.post("/account/delete/")
    with pytest.raises(ReaderNotDeletable, match="still running"):
        delete_reader(request, people.bob)
    lifecycle.expire(Subscription.objects.get(owner_reader=people.bob))
    prepare_account_deletion(people.bob)  # an expired subscription no longer holds it
