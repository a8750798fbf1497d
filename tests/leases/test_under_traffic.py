"""Regressions from the engine's race review (issue 8) on PostgreSQL: two connections
stepped by the test — one holds a row lock, the engine's waits behind it, and the
test moves on only once the database shows that wait (``pg_stat_activity``): no
sleeps. Each test failed before its fix."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection

from kiosco.leases.engine import (
    RACES,
    Acquired,
    Busy,
    Device,
    Engine,
    Held,
    Policy,
    Released,
    Seat,
)
from kiosco.leases.stores.connections import PsycopgDatabase
from kiosco.leases.stores.sql import SqlStore
from tests.leases.conftest import new_seat_id
from tests.leases.test_concurrency import target

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
BOB, CAROL = 2, 3
SESSION_LEVEL = "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL"
POLICY = Policy(ttl=180, idle=180, takeovers=10**6, renew_sample=0.0)


@pytest.fixture
def postgres(on_postgres: bool) -> None:
    if not on_postgres:
        pytest.skip("row locks and isolation levels: PostgreSQL's (the SQLite pass has one writer)")


@pytest.fixture
def other() -> Iterator[psycopg.Connection[Any]]:
    """A second connection the test steps by hand (autocommit off: it holds locks)."""
    with psycopg.connect(target()) as conn:
        yield conn


def sql_store(engine: Engine) -> SqlStore:
    """The engine's store, which these tests build as an SQL store (to move its clock)."""
    assert isinstance(engine.store, SqlStore)
    return engine.store


def engine_on_own_connection(isolation: str | None = None) -> tuple[Engine, int]:
    db = PsycopgDatabase(target(), isolation)
    return Engine(SqlStore(db), POLICY), db.connection.info.backend_pid


class InThread:
    """Run one engine call in a thread; ``result()`` re-raises what it raised."""

    def __init__(self, call: Callable[[], object]) -> None:
        self._value: object = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,))
        self._thread.start()

    def _run(self, call: Callable[[], object]) -> None:
        try:
            self._value = call()
        except BaseException as error:  # handed to the test's thread
            self._error = error

    def result(self) -> object:
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the engine call never finished"
        if self._error is not None:
            raise self._error
        return self._value


def wait_until_blocked(pid: int) -> None:
    """The barrier: returns once backend ``pid`` waits for a lock."""
    with psycopg.connect(target(), autocommit=True) as watcher:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            row = watcher.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
            ).fetchone()
            if row is not None and row[0] == "Lock":
                return
    raise AssertionError(f"backend {pid} never waited for a lock")


def clock(conn: psycopg.Connection[Any]) -> float:
    row = conn.execute("SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8").fetchone()
    assert row is not None
    return float(row[0])


def lock_slot(conn: psycopg.Connection[Any], seat: int, slot: int) -> None:
    conn.execute("SELECT 1 FROM leases_slot WHERE seat = %s AND slot = %s FOR UPDATE", [seat, slot])


def test_it_stamps_a_claim_that_waited_behind_a_lock_with_the_time_it_landed(
    postgres: None, other: psycopg.Connection[Any]
) -> None:
    seat = Seat(new_seat_id())
    first, _ = engine_on_own_connection()
    assert isinstance(first.check(seat, Device(BOB, "phone")), Acquired)
    sql_store(first).offset = 200.0  # the phone's lease lapsed
    claimer, pid = engine_on_own_connection()
    sql_store(claimer).offset = 200.0
    lock_slot(other, seat.id, 0)  # someone holds the row (a release, a renewal …)
    claim = InThread(lambda: claimer.check(seat, Device(CAROL, "laptop")))
    wait_until_blocked(pid)
    released_at = clock(other) + 200.0
    other.commit()
    result = claim.result()
    assert isinstance(result, Acquired)
    # Stamped after the wait: a lease that started before it would be shorter.
    assert result.lease.expires_at >= released_at + POLICY.ttl
    from kiosco.leases.models import Event

    line = Event.objects.get(seat=seat.id, kind="acquired", device="laptop")
    assert line.at >= released_at  # the event carries the write's time too


def test_it_retries_a_release_chosen_as_a_deadlock_victim_and_frees_every_lease(
    postgres: None, other: psycopg.Connection[Any]
) -> None:
    seat = Seat(new_seat_id(), slots=2)
    setup, _ = engine_on_own_connection()
    for device in ("phone", "laptop"):
        assert isinstance(setup.check(seat, Device(BOB, device)), Acquired)
    releaser, pid = engine_on_own_connection()
    before = RACES["release"]
    lock_slot(other, seat.id, 1)  # a writer that locks out of order: slot 1, then 0
    release = InThread(lambda: releaser.release_all(BOB, "password_changed"))
    wait_until_blocked(pid)  # the release holds slot 0 and waits for slot 1
    try:  # closing the cycle: the database breaks it, one of the two is the victim
        lock_slot(other, seat.id, 0)
        release_was_the_victim = True
    except psycopg.errors.DeadlockDetected:
        release_was_the_victim = False
    other.rollback()
    assert release.result() == Released(2)  # no OperationalError, nothing left held
    assert [row.device for row in setup.store.read_seat(seat.id)[1]] == [None, None]
    if release_was_the_victim:
        assert RACES["release"] == before + 1  # rolled back by the database, then retried


@pytest.mark.parametrize("isolation", ["read committed", "repeatable read"])
def test_it_answers_a_takeover_that_lost_its_race_under_either_isolation_level(
    postgres: None, other: psycopg.Connection[Any], isolation: str
) -> None:
    seat = Seat(new_seat_id())
    setup, _ = engine_on_own_connection()
    assert isinstance(setup.check(seat, Device(BOB, "phone")), Acquired)
    racer, pid = engine_on_own_connection(isolation)
    # Another instance's takeover is writing the slot, not committed yet.
    other.execute(
        "UPDATE leases_slot SET previous_generation = generation, "
        "generation = nextval('leases_generation'), previous_device = device, "
        "device = 'tablet', reader = %s, acquired_at = EXTRACT(EPOCH FROM now()), "
        "input_at = EXTRACT(EPOCH FROM now()), "
        "expires_at = EXTRACT(EPOCH FROM now()) + 180 WHERE seat = %s AND slot = 0",
        [CAROL, seat.id],
    )
    take_over = InThread(lambda: racer.take_over(seat, Device(BOB, "laptop")))
    wait_until_blocked(pid)
    other.commit()
    result = take_over.result()  # no SerializationFailure: a lost race, answered
    assert isinstance(result, Busy) and result.holder.device == "tablet"


def test_it_never_issues_a_generation_twice_when_a_delete_races_slot_creation(
    postgres: None, other: psycopg.Connection[Any]
) -> None:
    seat = Seat(new_seat_id())
    setup, _ = engine_on_own_connection()
    first = setup.check(seat, Device(BOB, "phone"))
    assert isinstance(first, Acquired)
    other.execute("DELETE FROM leases_slot WHERE seat = %s", [seat.id])  # still open
    creator, pid = engine_on_own_connection()
    two = Seat(seat.id, slots=2)  # an upgrade: the engine creates the seat's rows again
    claim = InThread(lambda: creator.check(two, Device(CAROL, "laptop")))
    wait_until_blocked(pid)  # re-creating row 0 waits for the open delete
    other.commit()
    result = claim.result()
    assert isinstance(result, Acquired)
    assert result.lease.generation > first.lease.generation


def test_it_never_issues_a_generation_twice_after_a_truncate(postgres: None) -> None:
    seat = Seat(new_seat_id())
    engine, _ = engine_on_own_connection()
    first = engine.check(seat, Device(BOB, "phone"))
    assert isinstance(first, Acquired)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE leases_slot, leases_event RESTART IDENTITY")
    again = engine.check(seat, Device(CAROL, "laptop"))
    assert isinstance(again, Acquired) and again.lease.generation > first.lease.generation


def test_it_releases_after_commit_when_a_repeatable_read_snapshot_is_too_old(
    postgres: None, django_capture_on_commit_callbacks: Any
) -> None:
    """A password change under REPEATABLE READ whose snapshot predates a renewal of
    the lease: no retry inside that transaction can write the row, so the release
    runs again right after it commits — and the lease is gone."""
    from django.db import transaction

    from kiosco.leases import services

    seat = Seat(new_seat_id())
    phone, _ = engine_on_own_connection()
    held = phone.check(seat, Device(BOB, "phone"))
    assert isinstance(held, Acquired)
    with connection.cursor() as cursor:
        cursor.execute(f"{SESSION_LEVEL} REPEATABLE READ")
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM leases_slot LIMIT 1")  # the snapshot is taken
            sql_store(phone).offset = 100.0  # renewal due: it writes
            assert isinstance(phone.renew(held.lease.token, Device(BOB, "phone")), Held)
            assert services.release_all_for_reader(BOB, "password_changed") == 0  # not yet
        assert [row.device for row in phone.store.read_seat(seat.id)[1]] == [None]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED"
            )
