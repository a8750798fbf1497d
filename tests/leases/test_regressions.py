"""Regressions from the lease review (bugs 1 to 8), each on the memory store and on the SQL
store of this pass (SQLite, then PostgreSQL). Every test here failed before its fix."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from kiosco.leases import engine as engine_module
from kiosco.leases.engine import (
    Acquired,
    Busy,
    Device,
    Displaced,
    Engine,
    Held,
    Policy,
    Refused,
    Released,
    Seat,
)
from kiosco.leases.stores import StoreRace
from kiosco.leases.stores.memory import MemoryStore
from kiosco.leases.stores.sql import SqlStore
from tests.leases.conftest import Lab, new_seat_id

BOB, CAROL = 2, 3


class Hooked:
    """A store that runs a hook just before one of its methods, once: another
    engine's write landing between this engine's read and its write."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.before: dict[str, Callable[[], object]] = {}

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.store, name)
        hook = self.before.pop(name, None)
        if hook is None:
            return method

        def hooked(*args: Any, **kwargs: Any) -> Any:
            hook()
            return method(*args, **kwargs)

        return hooked


def hooked_engine(lab: Lab) -> tuple[Engine, Hooked]:
    store = Hooked(lab.store())
    policy = Policy(ttl=180.0, idle=180.0, renew_sample=1.0)
    return Engine(store, policy, notify=lab.notices.append), store


def events_of(lab: Lab, engine: Engine, seat: int) -> list[tuple[str, str]]:
    """(kind, reason) of the seat's event log, oldest first."""
    store = engine.store.store if isinstance(engine.store, Hooked) else engine.store
    if isinstance(store, MemoryStore):
        return [(e.kind, e.reason) for e in store.events if e.seat == seat]
    assert isinstance(store, SqlStore)
    from kiosco.leases.models import Event

    rows = Event.objects.filter(seat=seat).order_by("id").values_list("kind", "reason")
    return list(rows)


# --- bug 1: an active holder was replaced silently ---------------------------------
def test_it_never_lets_a_claimer_replace_a_holder_whose_reported_input_is_recent(
    lab: Lab,
) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    laptop = engine.check(seat, Device(BOB, "laptop", idle=0))
    assert isinstance(laptop, Acquired)
    token = laptop.lease.token
    lab.advance(100)  # renews (less than half the TTL left) with input 90 s old
    assert isinstance(engine.check(seat, Device(BOB, "laptop", idle=90), token), Held)
    for at, idle in ((20, 5), (30, 2), (40, 1)):  # then the reader scrolls again
        lab.advance(at)
        assert isinstance(engine.check(seat, Device(BOB, "laptop", idle=idle), token), Held)
    lab.advance(1)
    assert isinstance(engine.check(seat, Device(CAROL, "phone", idle=0)), Busy)
    assert lab.notices == []


def test_it_records_the_input_a_holder_reports_with_a_takeover_or_an_acquire(
    lab: Lab,
) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    # The phone's page opened long after its last input: it holds, stale from the start.
    assert isinstance(engine.check(seat, Device(BOB, "phone", idle=200)), Acquired)
    lab.advance(10)
    assert isinstance(engine.take_over(seat, Device(BOB, "phone", idle=0)), Held)
    assert isinstance(engine.check(seat, Device(BOB, "laptop", idle=0)), Busy)
    lab.advance(10)
    assert isinstance(engine.acquire(seat, Device(BOB, "phone", idle=0)), Held)
    assert isinstance(engine.check(seat, Device(BOB, "laptop", idle=0)), Busy)
    assert lab.notices == []


def test_it_records_input_about_once_per_half_ttl_for_an_active_reader(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    assert isinstance(engine.check(seat, Device(BOB, "laptop")), Acquired)
    for _ in range(20):  # ten minutes of heartbeats every 30 s, input each time
        lab.advance(30)
        assert isinstance(engine.check(seat, Device(BOB, "laptop", idle=1)), Held)
    renewals = [kind for kind, _ in events_of(lab, engine, seat.id) if kind == "renewed"]
    assert 5 <= len(renewals) <= 7  # 600 s / ~90 s, not one per heartbeat


# --- bug 2: two idle visible tabs swapped the slot every heartbeat -----------------
def test_it_never_swaps_a_slot_between_two_idle_tabs(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    assert isinstance(engine.check(seat, Device(BOB, "tab-a")), Acquired)
    assert isinstance(engine.check(seat, Device(BOB, "tab-b")), Busy)
    elapsed = 0.0
    for _ in range(11):  # both visible, nobody touches either; heartbeat every 30 s
        lab.advance(30)
        elapsed += 30
        assert isinstance(engine.check(seat, Device(BOB, "tab-a", idle=elapsed)), Held)
        assert isinstance(engine.check(seat, Device(BOB, "tab-b", idle=elapsed)), Busy)
    assert lab.notices == []
    # Input on tab b makes its claim the more recent one: now it takes the slot.
    moved = engine.check(seat, Device(BOB, "tab-b", idle=0))
    assert isinstance(moved, Acquired) and not moved.took_over
    assert [n.device for n in lab.notices] == ["tab-a"]


def test_it_refuses_in_the_claim_statement_a_silent_claim_with_older_input(lab: Lab) -> None:
    """The engine's own read would allow it; the statement's WHERE must not."""
    engine, seat = lab.engine(), Seat(new_seat_id())
    held = engine.check(seat, Device(BOB, "tab-a"))
    assert isinstance(held, Acquired)
    lab.advance(100)  # renewed, untouched: live until t=280, stale from t=180
    assert isinstance(engine.check(seat, Device(BOB, "tab-a", idle=100)), Held)
    lab.advance(90)
    # tab-b last had input at t=5. As the engine reads it, tab-a's input (t=0) is older.
    # Then tab-a reports input at t=8: still stale, but newer than tab-b's.
    racer, store = hooked_engine(lab)
    store.before["claim"] = lambda: engine.renew(held.lease.token, Device(BOB, "tab-a", idle=182))
    result = racer.check(seat, Device(BOB, "tab-b", idle=185))
    assert isinstance(result, Busy) and result.holder.device == "tab-a"
    assert lab.notices == []


# --- bug 3: a downgrade left extra holders and locked a device out -----------------
def test_it_frees_slots_past_the_count_after_a_downgrade(lab: Lab) -> None:
    engine, seat_id = lab.engine(), new_seat_id()
    two, one = Seat(seat_id, 2), Seat(seat_id, 1)
    a = engine.check(two, Device(BOB, "a"))
    b = engine.check(two, Device(BOB, "b"))
    assert isinstance(a, Acquired) and isinstance(b, Acquired) and b.lease.slot == 1
    lab.advance(10)
    assert isinstance(engine.check(one, Device(BOB, "a")), Held)
    assert [(n.device, n.reason) for n in lab.notices] == [("b", "seat_shrunk")]
    assert ("released", "seat_shrunk") in events_of(lab, engine, seat_id)
    assert engine.renew(b.lease.token, Device(BOB, "b")) == Refused("stale_generation")
    lab.advance(400)  # everything lapsed: b is not locked out
    assert isinstance(engine.check(one, Device(BOB, "b")), Acquired)


def test_it_does_not_renew_a_lease_on_a_slot_past_the_count(lab: Lab) -> None:
    engine, seat_id = lab.engine(), new_seat_id()
    engine.check(Seat(seat_id, 2), Device(BOB, "a"))
    b = engine.check(Seat(seat_id, 2), Device(BOB, "b"))
    assert isinstance(b, Acquired)
    result = engine.renew(b.lease.token, Device(BOB, "b"), slots=1)
    assert isinstance(result, Busy) and result.holder.device == "a"
    assert [(n.device, n.reason) for n in lab.notices] == [("b", "seat_shrunk")]


# --- bug 4: a seat with no slots crashed ---------------------------------------------
def test_it_refuses_a_seat_without_slots(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id(), slots=0)
    phone = Device(BOB, "phone")
    assert engine.check(seat, phone) == Refused("no_slots")
    assert engine.acquire(seat, phone) == Refused("no_slots")
    assert engine.take_over(seat, phone) == Refused("no_slots")


def test_it_frees_every_slot_when_a_seat_drops_to_no_slots(lab: Lab) -> None:
    engine, seat_id = lab.engine(), new_seat_id()
    held = engine.check(Seat(seat_id), Device(BOB, "phone"))
    assert isinstance(held, Acquired)
    assert engine.renew(held.lease.token, Device(BOB, "phone"), slots=0) == Refused("no_slots")
    assert [(n.device, n.reason) for n in lab.notices] == [("phone", "seat_shrunk")]


# --- bug 5: Displaced to devices never displaced -----------------------------------
def test_it_says_busy_not_displaced_to_a_device_that_let_go_itself(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    mine = engine.check(seat, Device(BOB, "d"))
    assert isinstance(mine, Acquired)
    assert engine.release(mine.lease.token, "hidden") == Released(1)
    assert isinstance(engine.check(seat, Device(BOB, "e")), Acquired)
    result = engine.check(seat, Device(BOB, "d"), mine.lease.token)
    assert isinstance(result, Busy) and result.holder.device == "e"


def test_it_says_busy_not_displaced_for_a_token_of_another_seat(lab: Lab) -> None:
    engine, here, there = lab.engine(), Seat(new_seat_id()), Seat(new_seat_id())
    elsewhere = engine.check(there, Device(BOB, "p"))
    assert isinstance(elsewhere, Acquired)
    for device in ("x", "y", "z", "x"):  # generations on `here` pass the token's
        engine.take_over(here, Device(CAROL, device))
    assert isinstance(engine.check(here, Device(BOB, "p"), elsewhere.lease.token), Busy)


def test_it_says_displaced_only_to_the_device_displaced(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    phone = engine.check(seat, Device(BOB, "phone"))
    assert isinstance(phone, Acquired)
    assert isinstance(engine.take_over(seat, Device(BOB, "laptop")), Acquired)
    shown = engine.check(seat, Device(BOB, "phone"), phone.lease.token)
    assert isinstance(shown, Displaced) and shown.by.device == "laptop"
    assert isinstance(engine.renew(phone.lease.token, Device(BOB, "phone")), Displaced)
    assert isinstance(engine.take_over(seat, Device(BOB, "tablet")), Acquired)
    # The phone lost its slot to the laptop, not to the tablet: that one it never saw.
    assert isinstance(engine.check(seat, Device(BOB, "phone"), phone.lease.token), Busy)


# --- bug 6: a takeover that lost a race displaced someone the reader never saw ------
def test_it_does_not_retry_a_takeover_against_a_new_holder(lab: Lab) -> None:
    first, seat = lab.engine(), Seat(new_seat_id())
    assert isinstance(first.check(seat, Device(BOB, "h")), Acquired)
    racer, store = hooked_engine(lab)
    store.before["claim"] = lambda: first.take_over(seat, Device(BOB, "o"))
    result = racer.take_over(seat, Device(BOB, "m"))
    assert isinstance(result, Busy) and result.holder.device == "o"
    assert [n.device for n in lab.notices] == ["h"]
    kinds = [kind for kind, _ in events_of(lab, racer, seat.id)]
    assert kinds.count("taken_over") == 1


# --- bug 7: conflicts became "contended", silently ---------------------------------
def test_it_answers_held_to_the_second_tab_of_a_device_that_won_the_other_slot(
    lab: Lab, caplog: pytest.LogCaptureFixture
) -> None:
    first, seat = lab.engine(), Seat(new_seat_id(), slots=2)
    racer, store = hooked_engine(lab)
    tab = Device(BOB, "tab")
    store.before["claim"] = lambda: first.check(seat, tab)
    before = sum(engine_module.CONFLICTS.values())
    with caplog.at_level(logging.WARNING, logger="kiosco.leases"):
        result = racer.check(seat, tab)
    assert isinstance(result, Held) and result.lease.device == "tab"
    assert sum(engine_module.CONFLICTS.values()) == before + 1
    assert any("uniqueness conflict" in r.getMessage() for r in caplog.records)


def test_it_retries_a_release_path_that_lost_a_race_in_the_database(lab: Lab) -> None:
    plain = lab.engine()
    seats = [Seat(new_seat_id()), Seat(new_seat_id())]
    for seat in seats:
        assert isinstance(plain.check(seat, Device(BOB, "phone")), Acquired)
    racer, store = hooked_engine(lab)

    def deadlock_victim() -> None:
        raise StoreRace("injected: deadlock detected")

    store.before["vacate_where"] = deadlock_victim
    assert racer.release_all(BOB, "password_changed") == Released(2)
    assert {n.reason for n in lab.notices} == {"password_changed"}


# --- bug 8 -----------------------------------------------------------------------------
def test_it_reacquires_when_the_lease_lapses_between_the_read_and_the_renewal(
    lab: Lab,
) -> None:
    plain, seat = lab.engine(), Seat(new_seat_id())
    assert isinstance(plain.check(seat, Device(BOB, "phone")), Acquired)
    lab.advance(179)
    racer, store = hooked_engine(lab)
    store.before["renew"] = lambda: lab.advance(2)
    result = racer.check(seat, Device(BOB, "phone"))
    assert isinstance(result, Acquired) and result.lease.device == "phone"


def test_it_answers_displaced_at_the_taking_time_even_at_the_epoch() -> None:
    # Memory only: a clock at 0.0 is a simulation's; the SQL store's is the server's.
    lab = Lab("memory", now=0.0)
    engine, seat = lab.engine(), Seat(new_seat_id())
    phone = engine.check(seat, Device(BOB, "phone"))
    assert isinstance(phone, Acquired)
    assert isinstance(engine.take_over(seat, Device(BOB, "laptop")), Acquired)
    lab.advance(30)
    shown = engine.check(seat, Device(BOB, "phone"), phone.lease.token)
    assert isinstance(shown, Displaced) and shown.at == 0.0


def test_it_logs_every_busy_and_displaced_answer(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    phone = engine.check(seat, Device(BOB, "phone"))
    assert isinstance(phone, Acquired)
    assert isinstance(engine.check(seat, Device(BOB, "laptop")), Busy)
    assert isinstance(engine.take_over(seat, Device(BOB, "laptop")), Acquired)
    assert isinstance(engine.check(seat, Device(BOB, "phone"), phone.lease.token), Displaced)
    kinds = [kind for kind, _ in events_of(lab, engine, seat.id)]
    assert kinds == ["acquired", "busy", "taken_over", "displaced"]


def test_it_logs_a_lapse_when_the_same_device_comes_back(lab: Lab) -> None:
    engine, seat = lab.engine(), Seat(new_seat_id())
    assert isinstance(engine.check(seat, Device(BOB, "phone")), Acquired)
    lab.advance(181)
    assert isinstance(engine.check(seat, Device(BOB, "phone")), Acquired)
    kinds = [kind for kind, _ in events_of(lab, engine, seat.id)]
    assert kinds == ["acquired", "expired", "acquired"]
