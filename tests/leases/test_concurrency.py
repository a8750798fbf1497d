"""Real concurrency: separate processes, each with its own database connection.

Everything runs on both databases: on SQLite the processes share the test database's
file in WAL mode, as app workers would (one writer at a time, BEGIN IMMEDIATE, but the
read-decide-write race between processes is the same one).

"Never more than N holders" is checked from the clients' side: each records, by the
database clock, the intervals during which the engine's own answers prove it held a
slot (``workers.Beliefs``); an independent checker counts their overlaps. The row
sampler cannot see more than N holders (one row per slot) — it checks that
generations never go back. And the event log must be one unbroken chain per slot.
Both races run under READ COMMITTED and REPEATABLE READ on PostgreSQL, with the
release paths racing the clients: no exception may reach a caller. Here they are a
smoke (KIOSCO_LEASE_RACE_TAKEOVERS, KIOSCO_LEASE_RACE_ROUNDS scale them);
``make bench`` runs them at 100,000 takeovers and 50 clients x 300 rounds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from kiosco.leases.engine import Acquired, Device, Engine, Seat
from kiosco.leases.models import Event, Slot
from kiosco.leases.stores.connections import DjangoDatabase
from kiosco.leases.stores.sql import SqlStore
from tests.leases import workers
from tests.leases.conftest import new_seat_id

ROOT = Path(__file__).resolve().parents[2]
# A smoke: bench/bench_leases.py runs these races at ten times the old suite's size.
TAKEOVERS = int(os.environ.get("KIOSCO_LEASE_RACE_TAKEOVERS", "2000"))
ROUNDS = int(os.environ.get("KIOSCO_LEASE_RACE_ROUNDS", "10"))
RACERS = 4
CHANGES = ["acquired", "taken_over", "released"]  # the log's lines that change a holder


def target() -> str:
    """The test database, as a separate process reaches it."""
    if connection.vendor == "sqlite":
        return str(connection.settings_dict["NAME"])
    keep = ("host", "port", "user", "password", "dbname")
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if k in keep and v})


def assert_never_more_believed_holders_than(slots: int, intervals: list[Any]) -> None:
    """The clients' side: at no instant more than ``slots`` clients held by the
    engine's word, and never two generations of one slot at once."""
    assert len(intervals) > 10, "too few proven holding intervals to mean anything"
    assert workers.most_believed_at_once(intervals) <= slots
    for slot in {i[1] for i in intervals}:
        one = [i for i in intervals if i[1] == slot]
        assert workers.most_believed_at_once(one) <= 1, f"slot {slot} had two holders"


def assert_the_log_is_one_chain_per_slot(seat: int) -> None:
    """Per slot, the holder changes form one unbroken chain: each generation (from
    the one counter: increasing, not consecutive) logged once, the last one the
    slot's, and every takeover displaced the device that held just before."""
    slots = Slot.objects.filter(seat=seat)
    for slot in slots:
        lines = list(
            Event.objects.filter(seat=seat, slot=slot.slot, kind__in=CHANGES)
            .order_by("generation")
            .values_list("generation", "kind", "device", "from_device")
        )
        generations = [g for g, *_ in lines]
        assert len(set(generations)) == len(generations), "a generation logged twice"
        assert generations[-1] == slot.generation
        holder = None
        for _, kind, device, from_device in lines:
            if kind == "taken_over":
                assert from_device == holder
            holder = device if kind != "released" else None


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_holder_while_processes_race_take_over() -> None:
    for isolation in workers.isolation_levels(connection.vendor):
        seat = new_seat_id()
        Engine(SqlStore(DjangoDatabase())).check(Seat(seat), Device(1, "first"))
        race = workers.run_take_over_race(
            connection.vendor, target(), seat, TAKEOVERS, RACERS, isolation
        )
        outcomes, sampled = race["outcomes"], race["sampled"]
        print(f"take_over race ({isolation}): {dict(outcomes)}; sampler: {sampled}")
        assert race["errors"] == [], isolation
        assert sum(outcomes.values()) == race["calls"]
        # The slot really moved, over and over (racing losers answer Busy: far more of
        # them on SQLite, where the writes queue).
        assert outcomes["Acquired"] > TAKEOVERS // 10
        assert sampled["most"] == 1 and sampled["samples"] > 10 and sampled["went_back"] == 0
        assert_never_more_believed_holders_than(1, race["intervals"])
        assert_the_log_is_one_chain_per_slot(seat)


@pytest.mark.django_db(transaction=True)
def test_it_never_lets_more_than_two_of_fifty_clients_hold_and_leaks_no_slot() -> None:
    for isolation in workers.isolation_levels(connection.vendor):
        seat, slots = new_seat_id(), 2
        race = workers.run_client_race(
            connection.vendor, target(), seat, slots, ROUNDS, isolation, releases=ROUNDS * 5
        )
        outcomes, sampled = race["outcomes"], race["sampled"]
        print(f"50 clients ({isolation}): {dict(outcomes)}; sampler: {sampled}")
        assert race["errors"] == [], isolation
        assert outcomes["Busy"] > 0 and outcomes["Acquired"] > 0
        assert outcomes["Released"] == ROUNDS * 5  # every release path released
        assert 1 <= sampled["most"] <= slots and sampled["went_back"] == 0
        assert_never_more_believed_holders_than(slots, race["intervals"])
        assert not Slot.objects.filter(seat=seat, device__isnull=False).exists()
        assert Slot.objects.filter(seat=seat).count() == slots
        assert_the_log_is_one_chain_per_slot(seat)


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_paused_holder_every_time_after_it_resumes() -> None:
    seat = new_seat_id()
    child = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "tests.leases.workers",
            "holder",
            connection.vendor,
            target(),
            str(seat),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    stdout = child.stdout

    def results_asked_after(moment: float, count: int) -> list[str]:
        seen: list[str] = []
        while len(seen) < count:
            asked, result = stdout.readline().split()
            if float(asked) > moment:
                seen.append(result)
        return seen

    try:
        assert stdout.readline().startswith("token")
        assert results_asked_after(0, 1) == ["Held"]
        os.kill(child.pid, signal.SIGSTOP)
        time.sleep(1.5)  # past its 1 s TTL
        os.kill(child.pid, signal.SIGCONT)
        resumed = time.time()
        after = results_asked_after(resumed, 5)
        phone = Engine(SqlStore(DjangoDatabase())).check(Seat(seat), Device(1, "phone"))
        assert isinstance(phone, Acquired)
        after += results_asked_after(time.time(), 5)
    finally:
        child.kill()
        child.wait(timeout=10)
    assert "Held" not in after, after
    assert set(after[:5]) == {"Refused"} and set(after[5:]) == {"Displaced"}, after
