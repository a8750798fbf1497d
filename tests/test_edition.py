"""The edition as a reader meets it: the apps wired together through settings."""

import pytest
from django.test import Client

from kiosco.leases.models import Slot
from kiosco.leases.results import Acquired, Busy
from kiosco.leases.services import acquire_lease, check_lease
from kiosco.subscriptions.models import Seat
from kiosco.subscriptions.services.entitlements import entitlements_for
from kiosco.subscriptions.services.seats import remove_from_seat
from tests.support.content import SECRET, subscriber_only_article
from tests.support.personas import make_reader, personas


@pytest.fixture
def subscriber_article(db):
    return subscriber_only_article()


def test_it_shows_a_subscriber_article_to_alice_who_subscribes(client, subscriber_article):
    client.force_login(personas().alice)
    response = client.get(subscriber_article.get_absolute_url())
    assert response.status_code == 200
    assert SECRET in response.content.decode()


def test_it_shows_the_extra_user_and_the_business_member_the_article(client, subscriber_article):
    people = personas()
    for reader in (people.carol, people.dave):
        client.force_login(reader)
        assert SECRET in client.get(subscriber_article.get_absolute_url()).content.decode()


def test_it_never_sends_the_body_to_a_reader_without_a_subscription(client, subscriber_article):
    personas()
    client.force_login(make_reader("erin@example.com", None))
    body = client.get(subscriber_article.get_absolute_url()).content.decode()
    assert "Opening." in body
    assert SECRET not in body


def test_it_sends_readers_to_their_devices_page_instead_of_a_bare_session_list(client, db):
    client.force_login(make_reader("frank@example.com", None))
    response = client.get("/accounts/sessions/")
    assert response.status_code == 302
    assert response["Location"] == "/account/devices/"


# --- Release paths reach the real lease engine ---------------------------------------

PASSWORD = "a long harbour password 42"
NEW_PASSWORD = "another long harbour password 43"


def signed_in_browser(email: str, password: str) -> Client:
    browser = Client()
    browser.get("/")  # the device cookie
    response = browser.post("/accounts/login/", {"login": email, "password": password})
    assert response.status_code == 302, response.content[:500]
    browser.get("/")  # the cookie comes back: the device is known
    return browser


def device_of(browser: Client) -> str:
    return browser.cookies["kiosco_device"].value


def reading_devices(seat_id: int) -> list[str]:
    held = Slot.objects.filter(seat=seat_id, device__isnull=False)
    return [device for device in held.values_list("device", flat=True) if device is not None]


def test_a_password_change_frees_the_slot_the_other_device_was_reading_on(db):
    alice = personas().alice
    alice.set_password(PASSWORD)
    alice.save(update_fields=["password"])
    seat_id = entitlements_for(alice).seat_id
    assert seat_id is not None
    laptop = signed_in_browser(alice.email, PASSWORD)
    phone = signed_in_browser(alice.email, PASSWORD)
    assert isinstance(acquire_lease(seat_id, 1, alice.pk, device_of(phone), 0, None), Acquired)
    assert isinstance(check_lease(seat_id, 1, alice.pk, device_of(laptop), 0, None), Busy)

    laptop.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert reading_devices(seat_id) == []
    assert isinstance(check_lease(seat_id, 1, alice.pk, device_of(laptop), 0, None), Acquired)


def test_revoking_the_extra_users_seat_stops_their_reading_at_once(db):
    people = personas()
    seat = Seat.objects.get(holder=people.carol)
    assert isinstance(acquire_lease(seat.pk, 1, people.carol.pk, "c" * 32, 0, None), Acquired)
    remove_from_seat(seat, by=people.bob)
    assert reading_devices(seat.pk) == []
    assert not entitlements_for(people.carol).can_read_subscriber_content
