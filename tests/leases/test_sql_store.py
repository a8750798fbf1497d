"""The SQL store on this pass's database: its guards, its clock, its generations."""

from __future__ import annotations

import time

import pytest
from django.db import IntegrityError, connection, transaction

from kiosco.leases.engine import Acquired, Device, Engine, Refused, Seat
from kiosco.leases.models import Event, Slot
from kiosco.leases.stores import Claim, StoreConflict
from kiosco.leases.stores.connections import DjangoDatabase
from kiosco.leases.stores.sql import SqlStore
from tests.leases.conftest import new_seat_id

pytestmark = pytest.mark.django_db

BOB = 2
phone, laptop = Device(BOB, "phone"), Device(BOB, "laptop")


def sql_engine() -> Engine:
    return Engine(SqlStore(DjangoDatabase()))


def test_it_never_reuses_a_generation_after_the_rows_are_deleted() -> None:
    engine, seat = sql_engine(), Seat(new_seat_id())
    first = engine.check(seat, phone)
    assert isinstance(first, Acquired)
    Slot.objects.filter(seat=seat.id).delete()
    again = engine.check(seat, phone)
    assert isinstance(again, Acquired)
    assert again.lease.generation > first.lease.generation
    assert engine.renew(first.lease.token, phone) == Refused("stale_generation")


def test_it_cannot_store_two_holders_of_one_slot_even_if_the_code_were_wrong() -> None:
    engine, seat = sql_engine(), Seat(new_seat_id())
    engine.check(seat, phone)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(
            seat=seat.id,
            slot=0,
            generation=99,
            device="laptop",
            reader=BOB,
            expires_at=time.time() + 60,
        )


def test_it_cannot_let_one_device_hold_two_slots_of_a_seat() -> None:
    engine, seat = sql_engine(), Seat(new_seat_id(), slots=2)
    engine.check(seat, phone)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(seat=seat.id, slot=1).update(
            device="phone", reader=BOB, expires_at=time.time() + 60
        )


def test_it_writes_the_event_log_with_the_database_clock() -> None:
    engine, seat = sql_engine(), Seat(new_seat_id())
    engine.check(seat, phone)
    engine.take_over(seat, laptop)
    kinds = list(Event.objects.filter(seat=seat.id).order_by("id").values_list("kind", flat=True))
    assert kinds == ["acquired", "taken_over"]
    takeover = Event.objects.get(seat=seat.id, kind="taken_over")
    assert (takeover.from_device, takeover.device) == ("phone", "laptop")
    assert takeover.idle_of_displaced is not None and takeover.idle_of_displaced >= 0
    assert abs(takeover.at - time.time()) < 5


def test_it_reads_time_from_the_database_server() -> None:
    now, _ = SqlStore(DjangoDatabase()).read_seat(new_seat_id())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8")
        else:
            cursor.execute("SELECT (julianday('now') - 2440587.5) * 86400.0")
        server = cursor.fetchone()[0]
    assert abs(server - now) < 2


def claim_a_second_slot(seat: Seat) -> None:
    store = SqlStore(DjangoDatabase())
    store.create_slots(seat.id, 2)
    with store.atomic():
        store.claim(
            Claim(
                seat=seat.id,
                slot=1,
                seen=0,
                device="phone",
                reader=BOB,
                idle=0,
                ttl=180,
                only_if_vacant=False,
                stale_idle=180,
            )
        )


def assert_a_double_holder_is_a_conflict_that_leaves_nothing_behind() -> None:
    engine, seat = sql_engine(), Seat(new_seat_id(), slots=2)
    engine.check(seat, phone)
    with pytest.raises(StoreConflict):
        claim_a_second_slot(seat)
    assert list(Slot.objects.filter(seat=seat.id).values_list("slot", "device")) == [
        (0, "phone"),
        (1, None),
    ]
    assert isinstance(engine.check(seat, laptop), Acquired)  # the connection is usable


def test_it_turns_a_double_holder_into_a_conflict_inside_a_callers_transaction() -> None:
    assert_a_double_holder_is_a_conflict_that_leaves_nothing_behind()


@pytest.mark.django_db(transaction=True)
def test_it_turns_a_double_holder_into_a_conflict_in_its_own_transaction() -> None:
    assert_a_double_holder_is_a_conflict_that_leaves_nothing_behind()


def test_it_raises_a_check_violation_instead_of_calling_it_a_race() -> None:
    store, seat = SqlStore(DjangoDatabase()), new_seat_id()
    store.create_slots(seat, 1)
    with pytest.raises(IntegrityError) as raised, store.atomic():
        store.db.fetch("UPDATE leases_slot SET slot = -1 WHERE seat = %(seat)s", {"seat": seat})
    assert not isinstance(raised.value, StoreConflict)
    assert Slot.objects.filter(seat=seat, slot=0).exists()  # rolled back


@pytest.mark.postgres_only
def test_it_prepares_the_lease_read_on_postgresql(db: None) -> None:
    """The check on every subscriber page is parsed and planned once per connection."""
    from kiosco.leases import services

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL's")
    services.check_lease(424242, 1, 1, "a" * 32, 0.0, None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("FROM clock LEFT JOIN leases_slot" in sql for sql in prepared), prepared
