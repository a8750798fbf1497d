"""No dead ends: the header and the account page show each reader their subscription,
their seat and the organisation they manage; a reader without one sees "Subscribe"."""

import pytest

from tests.support.personas import make_reader

pytestmark = pytest.mark.django_db


def _header(client, path="/"):
    page = client.get(path).content.decode()
    return page[page.index('class="account-nav"') : page.index("</nav>")]


def test_it_offers_subscribe_to_a_signed_in_reader_without_a_subscription(client, erin):
    client.force_login(erin)
    header = _header(client)
    assert 'href="/plans/"' in header and "Subscribe" in header
    assert "/subscription/" not in header


def test_it_shows_a_subscriber_their_plan_in_the_header_and_on_the_account_page(client, people):
    client.force_login(people.bob)
    header = _header(client)
    assert 'href="/subscription/"' in header and "Premium" in header and "Subscribe" not in header
    account = client.get("/account/").content.decode()
    assert "Premium, your own subscription." in account and 'href="/subscription/"' in account


def test_it_tells_a_shared_seat_and_an_organisation_seat_apart(client, people):
    from kiosco.subscriptions.services import seats

    client.force_login(people.carol)
    assert "a seat somebody shares with you" in client.get("/account/").content.decode()
    member = make_reader("mia@acme.example", None)
    seats.take_seat(people.acme.subscription, member)
    client.force_login(member)
    assert "a seat given by Acme Corporation" in client.get("/account/").content.decode()


def test_it_links_an_organisation_admin_to_their_organisation_from_every_page(client, people):
    client.force_login(people.dave)
    assert 'href="/org/acme/"' in _header(client, "/plans/")
    assert 'href="/org/acme/"' in client.get("/account/").content.decode()
