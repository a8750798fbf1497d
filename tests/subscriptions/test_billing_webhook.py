"""The generic billing webhook, driven with real signed payloads."""

import itertools
import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from kiosco.subscriptions.billing.webhook import sign
from kiosco.subscriptions.models import BillingEvent, Organisation, Seat, Subscription
from kiosco.subscriptions.services import entitlements_for
from tests.support.leases import holders, read_on
from tests.support.personas import make_reader

SECRET = "whsec_test_kiosco_0123456789"
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


def later(days):
    return (T0 + timedelta(days=days)).isoformat()


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.KIOSCO_BILLING_WEBHOOK_SECRET = SECRET


@pytest.fixture
def owner(db):
    return make_reader("olga@example.com", None)


def event(event_id, kind, at_hours, **subscription):
    subscription.setdefault("id", "sub_42")
    return {
        "id": event_id,
        "type": kind,
        "created": int((T0 + timedelta(hours=at_hours)).timestamp()),
        "subscription": subscription,
    }


def post(client, payload, secret=SECRET, timestamp=None, header=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signature = header if header is not None else sign(body, secret, timestamp or int(time.time()))
    return client.post(
        "/billing/webhook/", body, content_type="application/json", HTTP_KIOSCO_SIGNATURE=signature
    )


def created(at=0, **extra):
    fields = {"plan": "premium", "owner_email": "olga@example.com", "period_end": later(30)}
    fields.update(extra)
    return event(f"evt_created_{at}", "created", at, **fields)


def test_it_creates_a_subscription_from_a_signed_event(client, owner):
    response = post(client, created())
    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    subscription = Subscription.objects.get(external_id="sub_42")
    assert subscription.provider == "webhook" and subscription.plan.code == "premium"
    assert Seat.objects.get(subscription=subscription, number=1).holder == owner


@pytest.mark.parametrize(
    "header", ["", "t=1", "v1=abc", "t=abc,v1=00", "t=1,v1=" + "0" * 64, "garbage"]
)
def test_it_rejects_a_bad_signature_with_400(client, owner, header):
    response = post(client, created(), header=header)
    assert response.status_code == 400 and "error" in response.json()
    assert not BillingEvent.objects.exists()


def test_it_rejects_a_body_signed_with_another_secret(client, owner):
    response = post(client, created(), secret="whsec_someone_else")
    assert response.status_code == 400 and response.json()["error"] == "signature does not match"


def test_it_rejects_an_old_signature_as_a_replay(client, owner):
    response = post(client, created(), timestamp=int(time.time()) - 301)
    assert response.status_code == 400 and "tolerance" in response.json()["error"]
    assert not Subscription.objects.exists()


def test_it_applies_a_replayed_event_only_once(client, owner):
    body = json.dumps(created()).encode()
    first, second = post(client, body), post(client, body)
    assert first.json()["duplicate"] is False and second.json()["duplicate"] is True
    assert Subscription.objects.count() == 1 and BillingEvent.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps(
            {"id": "e", "type": "exploded", "created": 1, "subscription": {"id": "s"}}
        ).encode(),
        json.dumps(
            {"id": "e", "type": "created", "created": "yesterday", "subscription": {"id": "s"}}
        ).encode(),
        json.dumps({"id": "e", "type": "created", "created": 1, "subscription": "s"}).encode(),
        json.dumps(
            {"id": 5, "type": "created", "created": 1, "subscription": {"id": "s"}}
        ).encode(),
        json.dumps(
            {
                "id": "e",
                "type": "seats_changed",
                "created": 1,
                "subscription": {"id": "s", "seats": -3},
            }
        ).encode(),
        '{"id": "\u00e9\ud800"}'.encode("utf-8", "surrogatepass"),
    ],
)
def test_it_answers_bad_input_with_a_json_400(client, owner, body):
    response = post(client, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_it_refuses_get(client):
    assert client.get("/billing/webhook/").status_code == 405


def test_it_records_an_event_naming_an_unknown_plan_as_rejected(client, owner):
    response = post(client, created(plan="platinum"))
    assert response.status_code == 200 and response.json()["outcome"] == "rejected"
    assert "platinum" in BillingEvent.objects.get().detail


def test_it_follows_the_lifecycle(client, owner):
    post(client, created())
    post(client, event("evt_fail", "payment_failed", 1))
    subscription = Subscription.objects.get()
    assert subscription.status == "past_due" and subscription.grace_until == T0 + timedelta(
        hours=1, days=7
    )
    post(client, event("evt_renew", "renewed", 2, period_end=later(60)))
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.grace_until is None
    post(client, event("evt_seats", "seats_changed", 3, seats=4))
    assert Seat.objects.filter(subscription=subscription).count() == 4
    post(client, event("evt_cancel", "canceled", 4))
    subscription.refresh_from_db()
    assert subscription.status == "canceled"


def test_it_merges_an_older_event_without_letting_its_status_win(client, owner):
    post(client, created())
    post(client, event("evt_renew", "renewed", 5, period_end=later(60)))
    late = post(client, event("evt_fail_late", "payment_failed", 3))  # happened before the renewal
    assert late.json()["outcome"] == "applied"
    assert Subscription.objects.get().status == "active"
    assert "older" in BillingEvent.objects.get(event_id="evt_fail_late").detail  # kept, not lost


def test_it_holds_events_that_arrive_before_their_created(client, owner):
    early = post(client, event("evt_cancel", "canceled", 2))
    assert early.json()["outcome"] == "pending"
    assert not Subscription.objects.exists()
    post(client, created(at=0))
    subscription = Subscription.objects.get()
    assert subscription.status == "canceled"  # created, then canceled: in event order
    assert set(BillingEvent.objects.values_list("outcome", flat=True)) == {"applied"}


def _state():
    subscription = Subscription.objects.get()
    seats = Seat.objects.filter(subscription=subscription).count()
    return (
        subscription.status,
        subscription.current_period_end,
        subscription.seats,
        seats,
        subscription.plan.code,
    )


RENEWAL_THEN_CANCEL = [
    created(at=0),
    event("evt_renew", "renewed", 1, period_end=later(60), seats=3),
    event("evt_cancel", "canceled", 2),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_it_reaches_the_same_state_in_any_delivery_order(client, owner, order):
    for index in order:
        assert post(client, RENEWAL_THEN_CANCEL[index]).status_code == 200
    # A late renewal still counts: its later period end and its seats are kept, while
    # the newer cancellation decides the status. Nobody loses a paid month.
    assert _state() == ("canceled", T0 + timedelta(days=60), 3, 3, "premium")
    assert BillingEvent.objects.count() == 3
    assert not BillingEvent.objects.filter(outcome="pending").exists()


def test_it_keeps_the_newest_failure_and_the_renewals_period(client, owner):
    events = [
        created(at=0),
        event("evt_fail", "payment_failed", 1),
        event("evt_renew", "renewed", 2, period_end=later(60), seats=3),
        event("evt_fail2", "payment_failed", 3),
    ]
    for index in (3, 1, 0, 2):
        post(client, events[index])
    # Newest status wins (the failure at hour 3); the renewal's period and seats count.
    assert _state() == ("past_due", T0 + timedelta(days=60), 3, 3, "premium")
    assert Subscription.objects.get().grace_until == T0 + timedelta(hours=3, days=7)
    assert BillingEvent.objects.count() == 4


def test_it_ends_access_when_the_billing_system_ends_it(client, owner):
    post(client, created())
    assert entitlements_for(owner).can_read_subscriber_content
    seats = list(Seat.objects.filter(subscription__external_id="sub_42"))
    read_on(next(seat for seat in seats if seat.holder_id == owner.pk), owner)
    post(client, event("evt_end", "ended", 1))
    assert not entitlements_for(owner).can_read_subscriber_content
    assert all(holders(seat.pk) == [] for seat in seats)  # every lease slot is free


def test_it_creates_an_organisation_from_an_event(client, db):
    admin = make_reader("ada@initech.example", None)
    organisation = {"slug": "initech", "name": "Initech", "admin_email": "ada@initech.example"}
    post(client, created(plan="business", seats=10, owner_email=None, organisation=organisation))
    subscription = Subscription.objects.get()
    assert subscription.seats == 10
    initech = Organisation.objects.get(subscription=subscription)
    assert initech.name == "Initech" and initech.admins.get() == admin


def _signed_event(**overrides):
    payload = created()
    subscription = {**payload["subscription"], **overrides.pop("subscription", {})}
    return json.dumps({**payload, **overrides, "subscription": subscription}).encode()


@pytest.mark.parametrize(
    "body",
    [
        _signed_event(created=1e20),
        _signed_event(created=-1e20),
        b'{"id": "e", "type": "created", "created": NaN, "subscription": {"id": "s"}}',
        b'{"id": "e", "type": "created", "created": Infinity, "subscription": {"id": "s"}}',
        _signed_event(subscription={"period_end": 1e20}),
        _signed_event(subscription={"period_end": "9999-12-31T23:59:59+00:00"}),
        _signed_event(subscription={"period_end": "0001-01-01T00:00:00-01:00"}),
        _signed_event(
            subscription={"owner_email": None, "organisation": {"slug": "a" * 61, "name": "A"}}
        ),
        _signed_event(
            subscription={"owner_email": None, "organisation": {"slug": "a", "name": "A" * 121}}
        ),
        _signed_event(
            subscription={"owner_email": None, "organisation": {"slug": "no spaces!", "name": "A"}}
        ),
        _signed_event(subscription={"organisation": ["acme"]}),
    ],
    ids=[
        "created-1e20",
        "created-minus-1e20",
        "created-nan",
        "created-infinity",
        "period-end-1e20",
        "period-end-year-9999",
        "period-end-year-1",
        "org-slug-61",
        "org-name-121",
        "org-slug-spaces",
        "org-not-object",
    ],
)
def test_it_answers_absurd_values_with_a_json_400(client, owner, body):
    response = post(client, body)
    assert response.status_code == 400 and "error" in response.json()
    assert not BillingEvent.objects.exists() and not Subscription.objects.exists()


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_it_brings_a_downgrade_to_the_plans_seats_in_any_order(client, owner, order):
    events = [
        created(seats=2),
        event("evt_down", "renewed", 1, plan="digital", period_end=later(60)),
    ]
    for index in order:
        post(client, events[index])
    assert _state() == ("active", T0 + timedelta(days=60), 1, 1, "digital")


def _assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == status and response.json()["title"]


def test_it_refuses_a_signed_event_with_a_nul_byte_as_problem_json(client, owner):
    _assert_problem(post(client, created(owner_email="olga\x00@example.com")), 400)
    assert not BillingEvent.objects.exists()


def test_it_refuses_a_signed_deeply_nested_event_as_problem_json(client, owner):
    payload = created()
    payload["subscription"]["metadata"] = json.loads("[" * 200 + "]" * 200)
    _assert_problem(post(client, payload), 400)
    assert not BillingEvent.objects.exists()


def test_it_refuses_a_signed_event_over_the_size_limit_as_problem_json(client, owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    _assert_problem(post(client, created(note="x" * 20_000)), 413)
    assert not BillingEvent.objects.exists()


def test_it_keeps_a_bad_signature_in_problem_json_with_its_error_member(client, owner):
    response = post(client, created(), secret="not-the-secret")
    _assert_problem(response, 400)
    assert response.json()["error"] == response.json()["detail"] == "signature does not match"
