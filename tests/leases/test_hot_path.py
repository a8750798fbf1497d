"""What a page view and a heartbeat cost, what the log keeps of a device that keeps
asking, and at which time a claim is stamped — on every store this pass runs."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

import kiosco
from kiosco.leases import services
from kiosco.leases.engine import Acquired, Busy, Device, Held, Seat
from kiosco.leases.events import LeaseTag
from kiosco.leases.models import Event
from kiosco.leases.tokens import sign_token
from tests.leases.conftest import Lab, new_seat_id
from tests.leases.test_regressions import events_of, hooked_engine

BOB, CAROL = 2, 3
SETTINGS = str(Path(kiosco.__file__).with_name("settings.py"))  # read afresh, env and all
WRITES = ("INSERT", "UPDATE", "DELETE", "WITH LOCKED")


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]


@pytest.mark.django_db
def test_it_checks_a_held_lease_in_one_round_trip_and_no_write() -> None:
    seat = new_seat_id()
    assert isinstance(services.check_lease(seat, 1, BOB, "phone", 0, None), Acquired)
    with CaptureQueriesContext(connection) as queries:
        assert isinstance(services.check_lease(seat, 1, BOB, "phone", 2, None), Held)
    assert len(queries.captured_queries) == 1, queries.captured_queries
    assert writes(queries) == []


@pytest.mark.django_db
def test_it_renews_without_writing_while_more_than_half_the_ttl_is_left(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    first = engine.check(seat, Device(BOB, "phone"))
    assert isinstance(first, Acquired)
    lab.advance(60)
    with CaptureQueriesContext(connection) as queries:
        kept = engine.renew(first.lease.token, Device(BOB, "phone", idle=1))
    assert isinstance(kept, Held) and kept.lease.expires_at == first.lease.expires_at
    if lab.kind == "sql":
        assert len(queries.captured_queries) == 1 and writes(queries) == []
    lab.advance(40)  # 80 s of 180 left: now it writes
    renewed = engine.renew(first.lease.token, Device(BOB, "phone", idle=1))
    assert isinstance(renewed, Held) and renewed.lease.expires_at > first.lease.expires_at + 90


def test_it_stamps_a_claim_and_its_line_with_the_time_of_the_write(lab: Lab) -> None:
    engine, store = hooked_engine(lab)
    read_at = store.read_seat(seat_id := new_seat_id())[0]
    store.before["claim"] = lambda: lab.advance(50)
    result = engine.check(Seat(seat_id), Device(BOB, "phone"))
    assert isinstance(result, Acquired)
    assert result.lease.expires_at >= read_at + 50 + 180 - 1  # not the read's time
    if lab.kind == "memory":
        line = next(e for e in store.store.events if e.seat == seat_id)
        at = line.at
    else:
        at = Event.objects.get(seat=seat_id, kind="acquired").at
    assert at is not None and at >= read_at + 50 - 1


def test_it_logs_one_busy_line_per_episode_not_one_per_heartbeat(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    assert isinstance(engine.check(seat, Device(BOB, "laptop")), Acquired)
    for _ in range(5):  # the phone's dialog keeps asking, every heartbeat
        lab.advance(30)
        assert isinstance(engine.check(seat, Device(BOB, "phone")), Busy)
        engine.check(seat, Device(BOB, "laptop"))  # the laptop reads on
    assert isinstance(engine.take_over(seat, Device(CAROL, "tablet")), Acquired)
    for _ in range(3):  # a new holder: a new episode for the phone
        assert isinstance(engine.check(seat, Device(BOB, "phone")), Busy)
    kinds = [kind for kind, _ in events_of(lab, engine, seat.id)]
    assert kinds.count("busy") == 2, kinds


def test_it_names_every_line_of_the_log_in_the_projects_tag_vocabulary(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    phone = engine.check(seat, Device(BOB, "phone"))
    assert isinstance(phone, Acquired)
    engine.check(seat, Device(BOB, "laptop"))
    engine.take_over(seat, Device(BOB, "laptop"))
    engine.check(seat, Device(BOB, "phone"), phone.lease.token)
    engine.renew(phone.lease.token, Device(BOB, "phone"))
    engine.release_all(BOB, "password_changed")
    lab.advance(1)
    kinds = [kind for kind, _ in events_of(lab, engine, seat.id)]
    tags = [str(LeaseTag.of(kind)) for kind in kinds]
    assert tags == [
        "seat:lease:acquired",
        "seat:lease:busy",
        "seat:lease:taken_over",
        "seat:lease:displaced",
        "seat:lease:released",
    ]
    assert {tag.kind for tag in LeaseTag} >= set(kinds)


@pytest.mark.django_db(transaction=True)
def test_it_never_issues_a_generation_twice_after_a_flush() -> None:
    seat = new_seat_id()
    first = services.check_lease(seat, 1, BOB, "phone", 0, None)
    assert isinstance(first, Acquired)
    call_command("flush", interactive=False, verbosity=0)  # TRUNCATE on PostgreSQL
    again = services.check_lease(seat, 1, CAROL, "laptop", 0, None)
    assert isinstance(again, Acquired) and again.lease.generation > first.lease.generation
    assert Event.objects.get(seat=seat).tag == "seat:lease:acquired"
    stale = services.renew_lease(sign_token(first.lease), BOB, "phone", 0)
    assert not isinstance(stale, Held)


@pytest.mark.parametrize("idle", ["30", "60"])
def test_it_refuses_an_idle_limit_an_active_reader_would_pass(
    idle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSCO_LEASE_IDLE", idle)
    monkeypatch.setenv("KIOSCO_SECRET_KEY", os.environ.get("KIOSCO_SECRET_KEY", "x" * 50))
    with pytest.raises(ImproperlyConfigured, match="twice the page's heartbeat interval"):
        runpy.run_path(SETTINGS)


def test_it_accepts_an_idle_limit_past_twice_the_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSCO_LEASE_IDLE", "61")
    assert runpy.run_path(SETTINGS)["KIOSCO_LEASE_IDLE"] == 61
