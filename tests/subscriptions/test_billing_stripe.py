"""Stripe webhooks: payloads signed exactly as Stripe signs them, verified by the
official library, mapped onto the same service as the generic webhook."""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from kiosco.subscriptions.models import BillingEvent, Seat, Subscription
from tests.support.personas import make_reader

SECRET = "whsec_stripe_test_secret_kiosco"
NOW = int(time.time())
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET


@pytest.fixture
def owner(db):
    return make_reader("sam@example.com", None)


def stripe_signature(payload: str, secret: str = SECRET, timestamp: int | None = None) -> str:
    timestamp = timestamp or int(time.time())
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def subscription_event(
    event_id, kind, created, status="active", quantity=1, lookup_key="digital", **extra
):
    obj = {
        "id": "sub_stripe_1",
        "object": "subscription",
        "status": status,
        "cancel_at_period_end": False,
        "metadata": {"kiosco_owner_email": "sam@example.com"},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_1",
                    "quantity": quantity,
                    "current_period_end": NOW + 30 * 86400,
                    "price": {"id": "price_1", "lookup_key": lookup_key},
                }
            ],
        },
    }
    obj.update(extra)
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": created,
        "data": {"object": obj},
    }


def post(client, event, secret=SECRET, timestamp=None):
    payload = json.dumps(event)
    return client.post(
        "/billing/stripe/webhook/",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(payload, secret, timestamp),
    )


def test_it_creates_a_subscription_from_customer_subscription_created(client, owner):
    response = post(client, subscription_event("evt_1", "customer.subscription.created", NOW))
    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    subscription = Subscription.objects.get(provider="stripe", external_id="sub_stripe_1")
    assert subscription.plan.code == "digital"
    assert subscription.current_period_end == datetime.fromtimestamp(NOW + 30 * 86400, tz=UTC)
    assert Seat.objects.get(subscription=subscription).holder == owner


def test_it_rejects_a_bad_stripe_signature(client, owner):
    response = post(
        client,
        subscription_event("evt_1", "customer.subscription.created", NOW),
        secret="whsec_wrong",
    )
    assert response.status_code == 400 and response.json()["error"] == "signature does not match"
    assert not BillingEvent.objects.exists()


def test_it_rejects_a_stale_stripe_timestamp(client, owner):
    event = subscription_event("evt_1", "customer.subscription.created", NOW)
    assert post(client, event, timestamp=int(time.time()) - 3600).status_code == 400


def test_it_answers_a_signed_non_event_with_400(client):
    payload = "[1, 2]"
    response = client.post(
        "/billing/stripe/webhook/",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(payload),
    )
    assert response.status_code == 400


def test_it_ignores_event_types_it_does_not_handle(client):
    event = {
        "id": "evt_x",
        "object": "event",
        "type": "charge.succeeded",
        "created": NOW,
        "data": {"object": {}},
    }
    assert post(client, event).json() == {"received": True, "ignored": True}


def test_it_maps_updates_payment_failures_seats_and_deletion(client, owner):
    post(client, subscription_event("evt_1", "customer.subscription.created", NOW - 50))
    post(
        client,
        subscription_event(
            "evt_2", "customer.subscription.updated", NOW - 40, lookup_key="premium", quantity=2
        ),
    )
    subscription = Subscription.objects.get()
    assert subscription.plan.code == "premium" and subscription.seats == 2
    invoice = {
        "id": "evt_3",
        "object": "event",
        "type": "invoice.payment_failed",
        "created": NOW - 30,
        "data": {
            "object": {
                "id": "in_1",
                "object": "invoice",
                "parent": {"subscription_details": {"subscription": "sub_stripe_1"}},
            }
        },
    }
    post(client, invoice)
    subscription.refresh_from_db()
    assert subscription.status == "past_due"
    post(
        client,
        subscription_event(
            "evt_4",
            "customer.subscription.updated",
            NOW - 20,
            lookup_key="premium",
            quantity=2,
            cancel_at_period_end=True,
        ),
    )
    subscription.refresh_from_db()
    assert subscription.status == "canceled"
    post(
        client,
        subscription_event("evt_5", "customer.subscription.deleted", NOW - 10, status="canceled"),
    )
    subscription.refresh_from_db()
    assert subscription.status == "expired"
    assert list(BillingEvent.objects.values_list("outcome", flat=True)) == ["applied"] * 5


def test_it_does_not_let_an_older_stripe_status_win(client, owner):
    post(client, subscription_event("evt_1", "customer.subscription.created", NOW - 50))
    post(client, subscription_event("evt_3", "customer.subscription.updated", NOW - 10, quantity=1))
    late = post(
        client,
        subscription_event("evt_2", "customer.subscription.updated", NOW - 30, status="past_due"),
    )
    assert late.json()["outcome"] == "applied"  # merged: its status is older news
    assert Subscription.objects.get().status == "active"
    assert post(
        client, subscription_event("evt_2", "customer.subscription.updated", NOW - 30)
    ).json()["duplicate"]


def test_it_uses_the_grace_period_from_the_failure_time(client, owner, settings):
    settings.KIOSCO_PAST_DUE_GRACE_DAYS = 3
    post(client, subscription_event("evt_1", "customer.subscription.created", NOW - 50))
    post(
        client,
        subscription_event("evt_2", "customer.subscription.updated", NOW - 40, status="past_due"),
    )
    grace = Subscription.objects.get().grace_until
    assert grace == datetime.fromtimestamp(NOW - 40, tz=UTC) + timedelta(days=3)


def _event_with(**changes):
    event = subscription_event("evt_bad", "customer.subscription.created", NOW - 5)
    obj = event["data"]["object"]
    for key, value in changes.items():
        if key == "quantity":
            obj["items"]["data"][0]["quantity"] = value
        elif key == "price":
            obj["items"]["data"][0]["price"] = value
        else:
            obj[key] = value
    return event


@pytest.mark.parametrize(
    "event",
    [
        _event_with(quantity=40000),
        _event_with(quantity=-1),
        _event_with(quantity="2"),
        _event_with(metadata="kiosco_owner_email=sam@example.com"),
        _event_with(metadata={"kiosco_owner_email": ["sam@example.com"]}),
        _event_with(metadata={"kiosco_organisation": "a" * 61}),
        _event_with(
            metadata={"kiosco_organisation": "acme", "kiosco_organisation_name": "A" * 121}
        ),
        _event_with(items="si_1"),
        _event_with(items={"data": ["si_1"]}),
        _event_with(price="price_1"),
        _event_with(current_period_end=1e20),
        {**_event_with(), "created": 1e20},
        {**_event_with(), "data": "sub_stripe_1"},
    ],
    ids=[
        "quantity-40000",
        "quantity-negative",
        "quantity-string",
        "metadata-string",
        "metadata-email-list",
        "org-slug-61",
        "org-name-121",
        "items-string",
        "items-data-strings",
        "price-string",
        "period-end-1e20",
        "created-1e20",
        "data-string",
    ],
)
def test_it_answers_absurd_stripe_values_with_a_json_400(client, owner, event):
    response = post(client, event)
    assert response.status_code == 400 and "error" in response.json()
    assert not BillingEvent.objects.exists() and not Subscription.objects.exists()
