"""A Business purchase through an external billing system (webhook/stripe): until the
billing system's ``created`` event arrives, the organisation waits for its
subscription — its pages say so instead of failing, and clicking again creates
nothing new. The ``created`` event then attaches to that very organisation."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from kiosco.readers.models import SecurityEvent
from kiosco.subscriptions.billing.webhook import sign
from kiosco.subscriptions.models import Organisation, Seat, Subscription

pytestmark = pytest.mark.django_db
SECRET = "whsec_awaiting_0123456789"


@pytest.fixture(autouse=True)
def _external_billing(settings):
    settings.KIOSCO_BILLING_PROVIDER = "webhook"
    settings.KIOSCO_BILLING_WEBHOOK_SECRET = SECRET


def _buy(client, name="Initech", seats="12"):
    return client.post("/plans/business/subscribe/", {"organisation_name": name, "seats": seats})


def test_it_shows_an_awaiting_page_instead_of_failing(client, erin):
    client.force_login(erin)
    response = _buy(client)
    organisation = Organisation.objects.get(admins=erin)
    assert response.status_code == 302 and response.url == f"/org/{organisation.slug}/"
    page = client.get(response.url)
    assert page.status_code == 200
    assert "waiting for your billing system" in page.content.decode()
    assert organisation.slug in page.content.decode()


@pytest.mark.parametrize(
    "path, data",
    [
        ("seats/", {"seats": "20"}),
        ("invite/", {"email": "member@initech.example"}),
        ("members/1/remove/", {}),
        ("invitations/1/revoke/", {}),
    ],
)
def test_it_answers_every_admin_action_while_awaiting_without_a_500(client, erin, path, data):
    client.force_login(erin)
    _buy(client)
    slug = Organisation.objects.get(admins=erin).slug
    response = client.post(f"/org/{slug}/{path}", data)
    assert response.status_code == 409
    assert "waiting for your billing system" in response.content.decode()


def test_it_creates_no_second_organisation_on_a_second_click(client, erin):
    client.force_login(erin)
    _buy(client)
    _buy(client)
    _buy(client, name="Initech Ltd", seats="15")
    assert Organisation.objects.filter(admins=erin).count() == 1


def test_it_attaches_the_billing_systems_created_event_to_that_organisation(
    client, erin, django_capture_on_commit_callbacks
):
    client.force_login(erin)
    with django_capture_on_commit_callbacks(execute=True):
        _buy(client)
    organisation = Organisation.objects.get(admins=erin)
    # What the billing system is told at checkout names this organisation.
    requested = SecurityEvent.objects.get(tag="subscription:billing:requested")
    assert requested.data["kiosco_organisation"] == organisation.slug
    assert requested.data["kiosco_admin_email"] == "erin@example.com"
    now = datetime.now(UTC).replace(microsecond=0)
    body = json.dumps(
        {
            "id": "evt_org_created",
            "type": "created",
            "created": int(now.timestamp()),
            "subscription": {
                "id": "sub_initech",
                "plan": "business",
                "seats": 12,
                "period_end": (now + timedelta(days=30)).isoformat(),
                "organisation": {
                    "slug": organisation.slug,
                    "name": "Initech",
                    "admin_email": "erin@example.com",
                },
            },
        }
    ).encode()
    response = client.post(
        "/billing/webhook/",
        body,
        content_type="application/json",
        HTTP_KIOSCO_SIGNATURE=sign(body, SECRET, int(time.time())),
    )
    assert response.json()["outcome"] == "applied"
    subscription = Subscription.objects.get(organisation=organisation)
    assert subscription.seats == 12 and Organisation.objects.count() == 1
    assert Seat.objects.filter(subscription=subscription).count() == 12
    assert client.get(f"/org/{organisation.slug}/").status_code == 200
