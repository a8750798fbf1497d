"""The engine's rules, each on the memory store and on the SQL store of this pass."""

from __future__ import annotations

from kiosco.leases.engine import (
    Acquired,
    Busy,
    Device,
    Displaced,
    Engine,
    Held,
    Refused,
    Released,
    Seat,
)
from kiosco.leases.models import Event as LogLine
from kiosco.leases.stores.memory import MemoryStore
from tests.leases.conftest import Lab, new_seat_id

BOB = 2
phone, laptop, tablet = Device(BOB, "phone"), Device(BOB, "laptop"), Device(BOB, "tablet")


def test_it_acquires_a_free_slot_silently(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    result = engine.check(seat, phone)
    assert isinstance(result, Acquired)
    assert result.replaced is None and not result.took_over
    assert isinstance(engine.check(seat, phone), Held)


def test_it_lets_a_phone_put_away_hand_over_to_a_laptop_ten_seconds_later(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    reading = engine.check(seat, phone)
    assert isinstance(reading, Acquired)
    # The page went hidden: it sends its release (pagehide/visibilitychange beacon).
    assert engine.release(reading.lease.token, "hidden") == Released(1)
    lab.advance(10)
    assert isinstance(engine.check(seat, Device(BOB, "laptop", idle=0)), Acquired)
    assert lab.notices == []


def test_it_lets_a_phone_take_the_slot_of_a_laptop_tab_left_idle(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    first = engine.check(seat, laptop)
    assert isinstance(first, Acquired)
    for idle in (60, 120, 180, 240):  # the visible tab keeps its heartbeat, nobody touches it
        lab.advance(60)
        engine.check(seat, Device(BOB, "laptop", idle=idle), first.lease.token)
    result = engine.check(seat, phone)
    assert isinstance(result, Acquired)
    assert result.replaced is not None and result.replaced.device == "laptop"
    assert not result.took_over
    assert [n.device for n in lab.notices] == ["laptop"]


def test_it_says_busy_to_two_active_devices_until_one_takes_over(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    held = engine.check(seat, phone)
    assert isinstance(held, Acquired)
    token = held.lease.token
    for _ in range(12):  # four minutes, both touched every 20 s
        lab.advance(20)
        assert isinstance(engine.check(seat, Device(BOB, "phone", idle=0), token), Held)
        assert isinstance(engine.check(seat, Device(BOB, "laptop", idle=0)), Busy)
    moved = engine.take_over(seat, laptop)
    assert isinstance(moved, Acquired) and moved.took_over
    assert moved.lease.generation > token.generation
    assert isinstance(engine.check(seat, phone, token), Displaced)
    assert [n.reason for n in lab.notices] == ["taken_over"]


def test_it_does_not_let_a_displaced_device_bounce_back_while_the_other_is_active(
    lab: Lab,
) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    before = engine.check(seat, phone)
    assert isinstance(before, Acquired)
    engine.take_over(seat, laptop)
    lab.advance(30)
    result = engine.check(seat, phone, before.lease.token)
    assert isinstance(result, Displaced) and result.by.device == "laptop"
    lab.advance(200)  # the laptop goes quiet: now the phone regains it silently
    assert isinstance(engine.check(seat, phone, before.lease.token), Acquired)


def test_it_refuses_a_stale_generation(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    old = engine.check(seat, phone)
    assert isinstance(old, Acquired)
    engine.release(old.lease.token)
    engine.check(seat, phone)
    assert engine.renew(old.lease.token, phone) == Refused("stale_generation")
    assert engine.release(old.lease.token) == Refused("stale_generation")


def test_it_refuses_to_renew_a_lease_that_lapsed(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    held = engine.check(seat, phone)
    assert isinstance(held, Acquired)
    lab.advance(181)
    assert engine.renew(held.lease.token, phone) == Refused("expired")


def test_it_renews_only_when_less_than_half_the_ttl_is_left(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    first = engine.check(seat, phone)
    assert isinstance(first, Acquired)
    lab.advance(60)
    early = engine.check(seat, phone)
    assert isinstance(early, Held) and early.lease.expires_at == first.lease.expires_at
    lab.advance(40)
    late = engine.check(seat, phone)
    assert isinstance(late, Held) and late.lease.expires_at > first.lease.expires_at


def test_it_rate_limits_takeovers_per_seat(lab: Lab) -> None:
    engine, seat = lab.engine(takeovers=3, takeover_window=600), Seat(new_seat_id())
    engine.check(seat, phone)
    devices = [laptop, phone, laptop]
    assert all(isinstance(engine.take_over(seat, d), Acquired) for d in devices)
    assert engine.take_over(seat, phone) == Refused("rate_limited")
    lab.advance(601)
    engine.check(seat, Device(BOB, "laptop", idle=0))
    assert isinstance(engine.take_over(seat, phone), Acquired)


def test_it_keeps_devices_per_seat_slots(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id(), slots=2)
    assert isinstance(engine.check(seat, phone), Acquired)
    assert isinstance(engine.check(seat, laptop), Acquired)
    busy = engine.check(seat, tablet)
    assert isinstance(busy, Busy) and busy.holder.device == "phone"


def test_it_releases_everything_a_reader_holds(lab: Lab) -> None:
    engine = lab.engine()
    seats = [Seat(new_seat_id()), Seat(new_seat_id())]
    for seat in seats:
        engine.check(seat, phone)
    engine.check(Seat(new_seat_id()), Device(99, "alice-phone"))
    assert engine.release_all(BOB, "password_changed") == Released(2)
    assert {n.reason for n in lab.notices} == {"password_changed"}
    assert all(isinstance(engine.check(s, laptop), Acquired) for s in seats)


def test_it_releases_one_device_and_one_seat(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id(), slots=2)
    engine.check(seat, phone)
    engine.check(seat, laptop)
    assert engine.release_device(BOB, "phone", "device_signed_out") == Released(1)
    assert engine.release_seat(seat.id, "seat_revoked") == Released(1)
    assert engine.release_seat(seat.id, "seat_revoked") == Released(0)


def lines_of(lab: Lab, engine: Engine, seat: int, kind: str) -> list[tuple[int, float | None]]:
    """(generation, idle_of_displaced) of the seat's lines of ``kind``, oldest first."""
    if lab.kind == "memory":
        assert isinstance(engine.store, MemoryStore)
        found = [e for e in engine.store.events if e.seat == seat and e.kind == kind]
        return [(e.generation, e.idle_of_displaced) for e in found]
    rows = LogLine.objects.filter(seat=seat, kind=kind).order_by("id")
    return list(rows.values_list("generation", "idle_of_displaced"))


def test_it_logs_the_idle_the_displaced_device_reports_once_per_episode(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    held = engine.check(seat, phone)
    assert isinstance(held, Acquired)
    taken = engine.take_over(seat, laptop)
    assert isinstance(taken, Acquired)
    lab.advance(2)
    reading = Device(BOB, "phone", idle=7.0)  # told live, the phone asks at once
    assert isinstance(engine.renew(held.lease.token, reading), Displaced)
    assert isinstance(engine.check(seat, Device(BOB, "phone", 60.0), held.lease.token), Displaced)
    assert lines_of(lab, engine, seat.id, "displaced") == [(taken.lease.generation, 7.0)]
    assert isinstance(engine.check(seat, tablet), Busy)
    assert lines_of(lab, engine, seat.id, "busy") == [(taken.lease.generation, None)]
