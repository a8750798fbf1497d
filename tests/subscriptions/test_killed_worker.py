"""A real process killed (SIGKILL, no clean-up) in the middle of a subscription
roll-over or of a billing event, at a chosen point (``tests/support/killpoints.py``:
a barrier, not a timer). Run again, it reaches the state an uninterrupted run reaches,
and nothing happens twice: no second renewal, no event or email twice.

Emails leave after commit, at most once: one the killed process had not handed to the
SMTP server yet is not sent by the rerun (never sent twice instead)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import pytest
from django.conf import settings
from django.utils import timezone

from kiosco.leases.models import Event
from kiosco.readers.models import Reader, SecurityEvent
from kiosco.subscriptions.billing.base import BillingChange
from kiosco.subscriptions.billing.webhook import parse, sign
from kiosco.subscriptions.catalogue import ensure_default_plans
from kiosco.subscriptions.models import BillingEvent, Plan, Seat, Subscription
from kiosco.subscriptions.services import lifecycle
from kiosco.subscriptions.services.billing_events import receive_billing_change
from kiosco.subscriptions.services.seats import take_seat
from tests.support.killpoints import KillPoint, database_url, kiosco_process
from tests.support.personas import make_reader
from tests.support.smtp import Inbox, _free_port, smtp_server  # noqa: F401 - inbox's fixture

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "whsec_killed_worker_0123456789"
State = dict[str, Any]


class Shape(NamedTuple):
    """A subscription as a run leaves it."""

    plan: str
    status: str
    seats: int
    period_start: datetime
    period_end: datetime
    grace_until: datetime | None
    pending_plan: str | None


@pytest.fixture
def inbox(request: pytest.FixtureRequest) -> Inbox:
    """The test's SMTP server (``smtp_server``), which Django's settings point at."""
    server: Inbox = request.getfixturevalue("smtp_server")
    return server


@pytest.fixture
def environ(inbox: Inbox) -> dict[str, str]:
    """What every process of these tests runs with: this pass's test database and
    the test's SMTP server."""
    return {
        "DATABASE_URL": database_url(),
        "KIOSCO_DEBUG": "0",
        "KIOSCO_EMAIL_URL": f"smtp://127.0.0.1:{settings.EMAIL_PORT}",
        "KIOSCO_PUBLIC_URL": "http://testserver",
        "KIOSCO_BILLING_PROVIDER": "webhook",
        "KIOSCO_BILLING_WEBHOOK_SECRET": SECRET,
    }


@pytest.fixture
def killpoint() -> Iterator[KillPoint]:
    barrier = KillPoint()
    yield barrier
    barrier.close()


# --- what a run leaves behind -------------------------------------------------------
def state(inbox: Inbox) -> State:
    """Everything a run changes, keyed by email addresses (never ids, which differ
    between the uninterrupted run's fixture and the killed one's)."""
    subscriptions = {
        _owner(s): Shape(
            s.plan.code,
            s.status,
            s.seats,
            s.current_period_start,
            s.current_period_end,
            s.grace_until,
            s.pending_plan.code if s.pending_plan else None,
        )
        for s in Subscription.objects.select_related("plan", "pending_plan", "owner_reader")
    }
    seats = sorted(
        (_owner(seat.subscription), seat.number, seat.holder.email if seat.holder else "")
        for seat in Seat.objects.select_related("subscription__owner_reader", "holder")
    )
    events = Counter(
        (e.tag, e.reader.email if e.reader else "")
        for e in SecurityEvent.objects.select_related("reader").filter(
            tag__startswith="subscription:"
        )
    )
    releases = Counter(Event.objects.values_list("kind", "reason"))
    billing = sorted(BillingEvent.objects.values_list("event_id", "outcome"))
    emails = Counter((str(m["To"]), str(m["Subject"])) for m in inbox.messages)
    return {
        "subscriptions": subscriptions,
        "seats": seats,
        "events": events,
        "lease_events": releases,
        "billing": billing,
        "emails": emails,
    }


def _owner(subscription: Subscription) -> str:
    assert subscription.owner_reader is not None
    return subscription.owner_reader.email


def prepare(inbox: Inbox, fixture: Callable[[datetime], None], now: datetime) -> None:
    """The fixture, built as of ``now`` (the same for the uninterrupted run and the
    killed one), on an empty database and an empty inbox."""
    SecurityEvent.objects.all().delete()
    Event.objects.all().delete()
    BillingEvent.objects.all().delete()
    Subscription.objects.all().delete()
    Reader.objects.all().delete()
    fixture(now)
    inbox.messages.clear()  # the subscriptions' "started" emails: the fixture's, not the run's


def assert_same_but_unsent_emails(killed: State, expected: State, *, committed: bool) -> None:
    emails, wanted = killed.pop("emails"), expected.pop("emails")
    assert killed == expected
    assert set(emails.values()) <= {1}, emails  # never an email twice
    if committed:
        assert emails <= wanted  # killed after commit, before the email left: at most once
    else:
        assert emails == wanted


# --- the roll-over --------------------------------------------------------------------
@pytest.fixture
def now() -> datetime:
    return timezone.now().replace(microsecond=0)


def roll_over_due(now: datetime) -> None:
    """Five subscriptions, in this order (the roll-over goes by id): alice's is two
    periods behind (cron did not run for a month), bob's downgrades and closes carol's
    seat (she is told by email), dan's was canceled, erin's grace ran out, frank's
    runs for ten more days."""
    ensure_default_plans()
    plans = {plan.code: plan for plan in Plan.objects.all()}
    alice = _demo("alice@example.com", plans["digital"], ended=now - timedelta(days=35))
    bob = _demo("bob@example.com", plans["premium"], ended=now + timedelta(days=1))
    take_seat(bob, make_reader("carol@example.com", None, language="es"))
    Subscription.objects.filter(pk=bob.pk).update(
        pending_plan=plans["digital"], current_period_end=now - timedelta(days=1)
    )
    dan = _demo("dan@example.com", plans["digital"], ended=now - timedelta(days=1))
    Subscription.objects.filter(pk=dan.pk).update(status="canceled")
    erin = _demo("erin@example.com", plans["digital"], ended=now + timedelta(days=10))
    Subscription.objects.filter(pk=erin.pk).update(
        status="past_due", grace_until=now - timedelta(days=1)
    )
    _demo("frank@example.com", plans["digital"], ended=now + timedelta(days=10))
    assert [alice.pk, bob.pk] == list(
        Subscription.objects.order_by("pk").values_list("pk", flat=True)[:2]
    )


def _demo(email: str, plan: Plan, *, ended: datetime) -> Subscription:
    reader = make_reader(email, None)
    started = ended - timedelta(days=30)
    return lifecycle.start_subscription(plan, reader=reader, now=started, period_end=ended)


def roll(environ: dict[str, str], **extra: str) -> subprocess.Popen[bytes]:
    return kiosco_process(["roll-subscriptions"], {**environ, **extra})


def test_an_uninterrupted_roll_over_catches_up_and_a_second_run_changes_nothing(
    environ, inbox, now
):
    prepare(inbox, roll_over_due, now)
    assert roll(environ).wait(timeout=120) == 0
    once = state(inbox)
    alice = once["subscriptions"]["alice@example.com"]
    assert alice.status == "active" and alice.period_start < now < alice.period_end
    assert alice.period_end - alice.period_start == timedelta(days=30)  # one period, to now
    assert once["subscriptions"]["bob@example.com"].plan == "digital"
    assert [(to, n) for (to, _subject), n in once["emails"].items()] == [("carol@example.com", 1)]
    assert once["subscriptions"]["dan@example.com"].status == "expired"
    assert once["subscriptions"]["erin@example.com"].status == "expired"
    assert once["subscriptions"]["frank@example.com"].status == "active"
    assert roll(environ).wait(timeout=120) == 0
    assert state(inbox) == once


@pytest.mark.parametrize("point", ["roll:written:2", "roll:committed:2"])
def test_a_roll_over_killed_midway_reaches_the_same_state_when_run_again(
    environ, inbox, killpoint, now, point
):
    prepare(inbox, roll_over_due, now)
    assert roll(environ).wait(timeout=120) == 0
    expected = state(inbox)

    prepare(inbox, roll_over_due, now)
    killed = roll(environ, **killpoint.environ(point))
    assert killpoint.kill_when_reached(killed) == f"at {point}"
    assert roll(environ).wait(timeout=120) == 0
    after = state(inbox)
    assert_same_but_unsent_emails(after, expected, committed="committed" in point)


# --- a billing event ------------------------------------------------------------------
def subscribed_by_webhook(now: datetime) -> None:
    """olga's Digital subscription, created by her billing system's event a day ago."""
    ensure_default_plans()
    make_reader("olga@example.com", None)
    created = _event("evt_created", "created", now - timedelta(hours=24), plan="digital")
    receive_billing_change(_change(created))


UPGRADE = "evt_upgrade"


def _event(event_id: str, kind: str, at: datetime, **subscription: Any) -> dict[str, Any]:
    fields = {"id": "sub_olga", "owner_email": "olga@example.com", **subscription}
    fields.setdefault("period_end", int((at + timedelta(days=30)).timestamp()))
    return {"id": event_id, "type": kind, "created": int(at.timestamp()), "subscription": fields}


def _change(payload: dict[str, Any]) -> BillingChange:
    change = parse(json.dumps(payload).encode())
    assert change is not None
    return change


@pytest.fixture
def upgrade(now: datetime) -> bytes:
    """olga's billing system moves her to Premium with two seats: one payload, so a
    redelivery is the very same event."""
    change = _event(UPGRADE, "renewed", now - timedelta(hours=1), plan="premium", seats=2)
    return json.dumps(change).encode()


class WebhookServer:
    """``kiosco runserver`` in a process of its own, which the test may kill."""

    def __init__(self, environ: dict[str, str], **extra: str) -> None:
        self.port = _free_port()
        self.process = kiosco_process(
            ["runserver", "--noreload", f"127.0.0.1:{self.port}"], {**environ, **extra}
        )
        self._wait_until_it_answers()

    def _wait_until_it_answers(self) -> None:
        while True:  # a poll until it listens (the process's exit ends it)
            assert self.process.poll() is None, "runserver exited"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz/live"):
                    return
            except OSError:
                time.sleep(0.1)

    def deliver(self, body: bytes) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/billing/webhook/",
            data=body,
            headers={
                "Content-Type": "application/json",
                "Kiosco-Signature": sign(body, SECRET, int(time.time())),
            },
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=30)


def test_a_billing_event_applied_once_is_not_applied_again_on_redelivery(
    environ, inbox, upgrade, now
):
    prepare(inbox, subscribed_by_webhook, now)
    server = WebhookServer(environ)
    try:
        assert server.deliver(upgrade) == (
            200,
            {"received": True, "duplicate": False, "outcome": "applied"},
        )
        once = state(inbox)
        assert server.deliver(upgrade)[1]["duplicate"] is True
    finally:
        server.stop()
    olga = once["subscriptions"]["olga@example.com"]
    assert (olga.plan, olga.status, olga.seats) == ("premium", "active", 2)
    assert state(inbox) == once


@pytest.mark.parametrize("point", ["billing:applied:1", "billing:committed:1"])
def test_a_billing_event_killed_midway_reaches_the_same_state_on_redelivery(
    environ, inbox, killpoint, upgrade, now, point
):
    prepare(inbox, subscribed_by_webhook, now)
    server = WebhookServer(environ)
    try:
        server.deliver(upgrade)
    finally:
        server.stop()
    expected = state(inbox)

    prepare(inbox, subscribed_by_webhook, now)
    doomed = WebhookServer(environ, **killpoint.environ(point))
    delivery = _deliver_in_background(doomed, upgrade)
    assert killpoint.kill_when_reached(doomed.process) == f"at {point}"
    assert isinstance(delivery.result(timeout=60), OSError)  # the provider saw no answer
    again = WebhookServer(environ)  # the provider delivers the same event again
    try:
        status, answer = again.deliver(upgrade)
    finally:
        again.stop()
    assert status == 200
    assert answer["duplicate"] is ("committed" in point)
    after = state(inbox)
    assert_same_but_unsent_emails(after, expected, committed="committed" in point)


def _deliver_in_background(server: WebhookServer, body: bytes) -> Any:
    from concurrent.futures import ThreadPoolExecutor

    def attempt() -> object:
        try:
            return server.deliver(body)
        except (OSError, urllib.error.URLError) as failed:
            return failed

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(attempt)
    pool.shutdown(wait=False)
    return future
