"""The bounce and complaint webhook: signed (Kiosco-Signature, as the billing one),
replay-protected by timestamp and event id; it suppresses addresses."""

from __future__ import annotations

import json
import time

import pytest

from kiosco.newsletter import issues, services
from kiosco.newsletter.models import Subscriber
from kiosco.subscriptions.billing.webhook import sign
from tests.newsletter.conftest import confirmed

SECRET = "newsletter-webhook-secret"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.KIOSCO_NEWSLETTER_WEBHOOK_SECRET = SECRET


def _post(client, event: dict, timestamp: int | None = None, secret: str = SECRET):
    body = json.dumps(event).encode()
    header = sign(body, secret, timestamp or int(time.time()))
    return client.post(
        "/newsletter/webhook/",
        body,
        content_type="application/json",
        HTTP_KIOSCO_SIGNATURE=header,
    )


@pytest.mark.django_db
def test_a_signed_bounce_suppresses_the_address_for_every_later_send(client, week, smtp_server):
    confirmed("gone@example.org")
    confirmed("here@example.org")
    response = _post(client, {"id": "evt_1", "type": "bounce", "email": "Gone@example.org"})
    assert response.status_code == 200 and response.json()["duplicate"] is False
    assert services.is_suppressed("gone@example.org")
    issue = issues.compose_issue("en")
    issues.start_sending(issue)
    issues.send_all(issue.pk)
    smtp_server.wait_for(to="here@example.org")
    assert smtp_server.to("gone@example.org") == []


@pytest.mark.django_db
def test_a_complaint_also_unsubscribes(client):
    confirmed("angry@example.org")
    _post(client, {"id": "evt_2", "type": "complaint", "email": "angry@example.org"})
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED
    assert services.is_suppressed("angry@example.org")


@pytest.mark.django_db
def test_a_replayed_event_is_a_no_op(client):
    event = {"id": "evt_3", "type": "bounce", "email": "x@example.org"}
    assert _post(client, event).json()["duplicate"] is False
    assert _post(client, event).json()["duplicate"] is True


@pytest.mark.django_db
def test_it_refuses_a_bad_signature_or_a_stale_timestamp(client):
    event = {"id": "evt_4", "type": "bounce", "email": "x@example.org"}
    assert _post(client, event, secret="wrong").status_code == 400
    assert _post(client, event, timestamp=int(time.time()) - 3600).status_code == 400
    unsigned = client.post("/newsletter/webhook/", b"{}", content_type="application/json")
    assert unsigned.status_code == 400
    assert not services.is_suppressed("x@example.org")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "event",
    [
        {"id": "e", "type": "opened", "email": "x@example.org"},
        {"id": "", "type": "bounce", "email": "x@example.org"},
        {"id": "e", "type": "bounce", "email": "no-at-sign"},
        {"id": "e" * 500, "type": "bounce", "email": "x@example.org"},
        ["not", "an", "object"],
    ],
)
def test_it_answers_a_malformed_event_with_a_clear_400(client, event):
    response = _post(client, event)
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.django_db
def test_the_webhook_takes_only_post(client):
    assert client.get("/newsletter/webhook/").status_code == 405
