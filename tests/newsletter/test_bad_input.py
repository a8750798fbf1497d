"""Bad input gets a clear answer and loses nothing: malformed and overlong addresses,
an overlong hidden field, a flood of sign-ups from one address."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosco.newsletter.models import Consent, Subscriber
from kiosco.newsletter.services import truncate_ip


@pytest.mark.django_db
@pytest.mark.parametrize(
    "email", ["not-an-address", "two@@example.org", "a@b", "", "x" * 250 + "@example.org"]
)
def test_it_refuses_a_malformed_or_overlong_address_with_a_form_error(client, email):
    response = client.post("/newsletter/signup/", {"email": email, "language": "en"})
    assert response.status_code == 400
    assert b'class="errorlist' in response.content
    assert not Subscriber.objects.exists()


@pytest.mark.django_db
def test_it_refuses_an_unknown_list(client):
    response = client.post("/newsletter/signup/", {"email": "a@example.org", "language": "fr"})
    assert response.status_code == 400
    assert not Subscriber.objects.exists()


@pytest.mark.django_db
def test_it_cuts_an_overlong_source_page_instead_of_failing(client):
    data = {"email": "long@example.org", "language": "en", "source": "/" + "a" * 5000}
    response = client.post("/newsletter/signup/", data, HTTP_USER_AGENT="U" * 4000)
    assert response.status_code == 200
    consent = Consent.objects.get()
    assert len(consent.source) == 300
    assert len(consent.user_agent) == 512


@pytest.mark.django_db
def test_a_flood_from_one_address_is_rate_limited_and_keeps_what_it_accepted(client):
    answers = [
        client.post(
            "/newsletter/signup/",
            {"email": f"flood{n}@example.org", "language": "en"},
            REMOTE_ADDR="198.51.100.9",
        ).status_code
        for n in range(15)
    ]
    assert answers[:10] == [200] * 10
    assert set(answers[10:]) == {429}
    assert Subscriber.objects.count() == 10
    # Another client address is not affected.
    other = client.post(
        "/newsletter/signup/",
        {"email": "other@example.org", "language": "en"},
        REMOTE_ADDR="192.0.2.1",
    )
    assert other.status_code == 200


@pytest.mark.django_db
def test_one_address_typed_again_and_again_is_limited_per_address(client):
    answers = [
        client.post(
            "/newsletter/signup/",
            {"email": "victim@example.org", "language": "en"},
            REMOTE_ADDR=f"192.0.2.{n}",
        ).status_code
        for n in range(1, 6)
    ]
    assert answers == [200, 200, 200, 429, 429]


@given(st.ip_addresses())
def test_a_consent_keeps_the_network_never_the_host(address):
    network = truncate_ip(str(address))
    import ipaddress

    parsed = ipaddress.ip_network(network)
    assert address in parsed
    assert parsed.prefixlen == (24 if address.version == 4 else 48)


def test_a_missing_or_garbled_address_keeps_no_network():
    assert truncate_ip(None) == ""
    assert truncate_ip("not an ip") == ""
