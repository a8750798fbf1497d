"""Upgrade, downgrade and cancel: a confirmation step that says what changes, what it
costs and from when; nothing changes on the GET; an email confirms each change."""

import pytest
from django.utils.formats import date_format

from kiosco.subscriptions.models import Subscription
from tests.support.smtp import body, smtp_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _text(response) -> str:
    return response.content.decode()


def test_it_confirms_an_upgrade_before_applying_it_and_emails_it(client, people, smtp_server):  # noqa: F811
    client.force_login(people.alice)
    page = client.get("/subscription/plan/premium/")
    assert page.status_code == 200
    assert "€14.99 a month" in _text(page) and "from today" in _text(page)
    assert Subscription.objects.get(owner_reader=people.alice).plan.code == "digital"
    done = client.post("/subscription/plan/", {"plan": "premium"}, follow=True)
    assert "You are now on Premium, from today." in _text(done)
    message = smtp_server.wait_for(to="alice@example.com")
    assert "Premium" in message["subject"] and "€14.99 a month" in body(message)


def test_it_says_when_a_downgrade_applies_and_emails_the_date(client, people, smtp_server):  # noqa: F811
    client.force_login(people.bob)
    end = Subscription.objects.get(owner_reader=people.bob).current_period_end
    page = client.get("/subscription/plan/digital/")
    with_date = date_format(end, "DATE_FORMAT")
    assert with_date in _text(page) and "nothing changes" in _text(page)
    done = client.post("/subscription/plan/", {"plan": "digital"}, follow=True)
    assert f"You move to Digital on {with_date}" in _text(done)
    message = smtp_server.wait_for(to="bob@example.com")
    assert "scheduled" in message["subject"] and with_date in body(message)


def test_it_tells_a_canceling_reader_until_when_they_can_read(client, people, smtp_server):  # noqa: F811
    client.force_login(people.alice)
    subscription = Subscription.objects.get(owner_reader=people.alice)
    until = date_format(subscription.current_period_end, "DATE_FORMAT")
    page = client.get("/subscription/cancel/confirm/")
    assert page.status_code == 200 and until in _text(page)
    subscription.refresh_from_db()
    assert subscription.status == "active"  # the GET changed nothing
    done = client.post("/subscription/cancel/", follow=True)
    assert f"You can keep reading until {until}" in _text(done)
    assert f"Canceled: you can keep reading until {until}" in _text(done)
    message = smtp_server.wait_for(to="alice@example.com")
    assert "canceled" in message["subject"] and until in body(message)


def test_it_emails_the_organisation_admins_a_seat_change(client, people, smtp_server):  # noqa: F811
    acme = Subscription.objects.get(organisation__isnull=False).organisation
    assert acme is not None
    client.force_login(people.dave)
    client.post(f"/org/{acme.slug}/seats/", {"seats": 7})
    message = smtp_server.wait_for(to="dave@acme.example")
    assert "7 seats" in body(message)


def test_it_sends_a_confirmation_in_the_readers_language(client, people, smtp_server):  # noqa: F811
    people.alice.language = "es"
    people.alice.save(update_fields=["language"])
    client.force_login(people.alice)
    client.post("/subscription/cancel/")
    message = smtp_server.wait_for(to="alice@example.com")
    assert "cancelada" in str(message["subject"]) and "Podrá seguir leyendo" in body(message)


def test_it_refuses_a_change_to_the_same_plan_without_a_500(client, people):
    client.force_login(people.alice)
    response = client.get("/subscription/plan/digital/", follow=True)
    assert response.status_code == 200 and "cannot do that" in _text(response)
    assert client.get("/subscription/plan/nope/").status_code == 404
