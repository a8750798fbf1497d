from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from kiosco.lib import confirmation
from kiosco.lib.models import Confirmation

KIND = "test_link"
confirmation.register_kind(KIND, timedelta(hours=1))
pytestmark = pytest.mark.django_db


def test_it_makes_random_keys_unrelated_to_the_object():
    first = confirmation.create_confirmation(KIND, 7)
    second = confirmation.create_confirmation(KIND, 7)
    assert first.key != second.key
    assert len(first.key) >= 40


def test_it_expires_each_kind_after_its_own_lifetime():
    confirmation.register_kind("short_link", timedelta(minutes=5))
    row = confirmation.create_confirmation("short_link", 1)
    assert timedelta(minutes=4) < row.expires_at - timezone.now() <= timedelta(minutes=5)


def test_it_refuses_an_unknown_kind():
    with pytest.raises(LookupError):
        confirmation.create_confirmation("never_registered", 1)


def test_it_lets_a_peek_change_nothing():
    row = confirmation.create_confirmation(KIND, 1)
    confirmation.peek(KIND, row.key)
    confirmation.peek(KIND, row.key)
    assert Confirmation.objects.get(pk=row.pk).used_at is None


def test_it_consumes_a_key_only_once():
    row = confirmation.create_confirmation(KIND, 1)
    assert confirmation.consume(KIND, row.key).object_id == 1
    with pytest.raises(confirmation.ConfirmationUsed):
        confirmation.consume(KIND, row.key)


def test_it_refuses_an_expired_key():
    row = confirmation.create_confirmation(KIND, 1)
    Confirmation.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(confirmation.ConfirmationExpired):
        confirmation.consume(KIND, row.key)


@pytest.mark.parametrize(
    "key", ["", "short", "x" * 65, "has spaces in it at all!!", "../../etc/passwd"]
)
def test_it_calls_a_malformed_key_malformed(key):
    with pytest.raises(confirmation.ConfirmationMalformed):
        confirmation.peek(KIND, key)


def test_it_does_not_accept_a_key_of_another_kind():
    confirmation.register_kind("other_link", timedelta(hours=1))
    row = confirmation.create_confirmation("other_link", 1)
    with pytest.raises(confirmation.ConfirmationMalformed):
        confirmation.peek(KIND, row.key)


def test_it_withdraws_the_unused_keys_of_an_object():
    row = confirmation.create_confirmation(KIND, 5)
    assert confirmation.withdraw(KIND, 5) == 1
    with pytest.raises(confirmation.ConfirmationExpired):
        confirmation.peek(KIND, row.key)


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (confirmation.ConfirmationMalformed("k"), 404, "not valid"),
        (confirmation.ConfirmationExpired("k"), 410, "expired"),
        (confirmation.ConfirmationUsed("k"), 410, "already used"),
    ],
)
def test_it_explains_each_failure_on_its_own_page(error, status, words):
    request = RequestFactory().get("/")
    response = confirmation.error_response(request, error)
    assert response.status_code == status
    assert words in response.content.decode()


def test_it_keeps_only_a_digest_so_a_copy_of_the_table_opens_no_link(db):
    key = confirmation.create_confirmation(KIND, 3).key
    stored = Confirmation.objects.get(object_id=3)
    assert stored.key != key
    assert key not in str(Confirmation.objects.values_list("key", flat=True))
    with pytest.raises(confirmation.ConfirmationMalformed):
        confirmation.peek(KIND, stored.key)  # the digest itself is no key
    assert confirmation.consume(KIND, key).object_id == 3
