"""Hypothesis drives the engine against a reference model, on every store.

The model is the issue's rules written the slow, obvious way: a list of slots, a clock,
and what each reader last touched. After every step the store must agree with it, and
the invariants hold: never more than N live holders, a stale generation is always
refused, every displacement yields exactly one notice, a holder with recent input is
never replaced without an explicit takeover.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from kiosco.leases.engine import (
    Acquired,
    Busy,
    Device,
    Displaced,
    Engine,
    Held,
    Notice,
    Policy,
    Refused,
    Released,
    Seat,
    Token,
)
from kiosco.leases.stores import LeaseStore
from kiosco.leases.stores.connections import DjangoDatabase
from kiosco.leases.stores.memory import MemoryStore
from kiosco.leases.stores.sql import SqlStore
from tests.leases.conftest import new_seat_id

# The clock moves in even seconds and every threshold is odd (TTL, IDLE, WINDOW) or
# falls on a half (TTL / 2): no comparison in the model lands within half a second of
# a boundary, so the real time an SQL step takes (milliseconds) never tips one.
# IDLE is drawn below or above TTL: when IDLE <= TTL every lapsed lease is also stale.
TTL, TAKEOVERS, WINDOW = 31.0, 3, 101.0
T0 = 2_000_000.0
# Which reader owns each device (phone and laptop are one reader's, the tablet another's).
READERS = {"phone": 1, "laptop": 1, "tablet": 2}


@dataclass
class ModelSlot:
    idle_limit: float
    generation: int = 0
    device: str | None = None
    expires_at: float = 0.0
    input_at: float = 0.0

    def live(self, now: float) -> bool:
        return self.device is not None and self.expires_at > now

    def vacant(self, now: float) -> bool:
        return not self.live(now) or self.input_at <= now - self.idle_limit


@dataclass
class Model:
    slots: list[ModelSlot]
    now: float = T0
    touched: dict[str, float] = field(default_factory=lambda: dict.fromkeys(READERS, T0))
    takeovers: list[float] = field(default_factory=list)
    notices: int = 0

    def mine(self, device: str) -> int | None:
        return next(
            (i for i, s in enumerate(self.slots) if s.device == device and s.live(self.now)),
            None,
        )

    def give(self, index: int, device: str) -> None:
        slot = self.slots[index]
        if slot.device not in (None, device):
            self.notices += 1
        idle = self.now - self.touched[device]
        self.slots[index] = ModelSlot(
            slot.idle_limit, slot.generation + 1, device, self.now + TTL, self.now - idle
        )


class LeaseMachine(RuleBasedStateMachine):
    store_kind = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.notices: list[Notice] = []
        self.tokens: dict[str, Token] = {}

    @initialize(slots=st.sampled_from([1, 1, 2]), idle=st.sampled_from([21.0, 41.0]))
    def start(self, slots: int, idle: float) -> None:
        self.seat = Seat(new_seat_id(), slots)
        self.model = Model([ModelSlot(idle) for _ in range(slots)])
        self.store = self._store()
        policy = Policy(TTL, idle, TAKEOVERS, WINDOW, renew_sample=0.5)
        self.engine = Engine(self.store, policy, notify=self.notices.append)

    def _store(self) -> LeaseStore:
        if self.store_kind == "memory":
            return MemoryStore(clock=lambda: self.model.now)
        return SqlStore(DjangoDatabase())

    def _sync_clock(self) -> None:
        # Re-anchor the database clock on the model's before every step.
        if isinstance(self.store, SqlStore):
            self.store.offset = self.model.now - time.time()

    def _me(self, device: str) -> Device:
        idle = self.model.now - self.model.touched[device]
        return Device(self._reader(READERS[device]), device, idle)

    def _reader(self, number: int) -> int:
        # Reader ids of their own per example: release_all spans seats, and on the SQL
        # store earlier examples' rows are still in the table.
        return self.seat.id * 10 + number

    # --- the world -----------------------------------------------------------------
    @rule(seconds=st.sampled_from([2, 4, 8, 14, 32, 62]))
    def advance_the_clock(self, seconds: int) -> None:
        self.model.now += seconds

    @rule(device=st.sampled_from(sorted(READERS)))
    def reader_touches(self, device: str) -> None:
        self.model.touched[device] = self.model.now

    # --- the operations ------------------------------------------------------------
    @rule(device=st.sampled_from(sorted(READERS)), renewing=st.booleans())
    def check_or_acquire(self, device: str, renewing: bool) -> None:
        self._sync_clock()
        me, m = self._me(device), self.model
        op = self.engine.check if renewing else self.engine.acquire
        result = op(self.seat, me, self.tokens.get(device))
        mine = m.mine(device)
        if mine is not None:
            assert isinstance(result, Held), result
            slot = m.slots[mine]
            if renewing and slot.expires_at - m.now < TTL / 2:
                slot.expires_at = m.now + TTL
                slot.input_at = max(slot.input_at, m.now - me.idle)
            assert result.lease.generation == slot.generation
        elif any(s.vacant(m.now) for s in m.slots):
            self._expect_acquired(result, device, silent=True)
        else:
            self._expect_refusal_to_read(result, device)

    @rule(device=st.sampled_from(sorted(READERS)))
    def take_over(self, device: str) -> None:
        self._sync_clock()
        m = self.model
        result = self.engine.take_over(self.seat, self._me(device))
        if m.mine(device) is not None:
            assert isinstance(result, Held), result
        elif any(s.vacant(m.now) for s in m.slots):
            self._expect_acquired(result, device, silent=True)
        elif sum(1 for at in m.takeovers if at > m.now - WINDOW) >= TAKEOVERS:
            assert result == Refused("rate_limited"), result
        else:
            self._expect_acquired(result, device, silent=False)
            m.takeovers.append(m.now)

    @precondition(lambda self: self.tokens)
    @rule(data=st.data())
    def renew(self, data: st.DataObject) -> None:
        self._sync_clock()
        device = data.draw(st.sampled_from(sorted(self.tokens)))
        token, m = self.tokens[device], self.model
        result = self.engine.renew(token, self._me(device))
        slot = m.slots[token.slot]
        if (slot.generation, slot.device) == (token.generation, device):
            if slot.live(m.now):
                assert isinstance(result, Held), result
                slot.expires_at = m.now + TTL
                slot.input_at = max(slot.input_at, m.now - self._me(device).idle)
            else:
                assert result == Refused("expired"), result
        elif slot.device not in (None, device) and slot.live(m.now):
            assert isinstance(result, Displaced) and result.by.device == slot.device, result
        else:
            assert result == Refused("stale_generation"), result

    @precondition(lambda self: self.tokens)
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        device = data.draw(st.sampled_from(sorted(self.tokens)))
        token, m = self.tokens.pop(device), self.model
        result = self.engine.release(token, "hidden")
        slot = m.slots[token.slot]
        if (slot.generation, slot.device) == (token.generation, device):
            assert result == Released(1), result
            m.slots[token.slot] = ModelSlot(slot.idle_limit, slot.generation + 1)
        else:
            assert result == Refused("stale_generation"), result

    @rule(reader=st.sampled_from([1, 2]))
    def release_all(self, reader: int) -> None:
        m = self.model
        held = [i for i, s in enumerate(m.slots) if s.device and READERS[s.device] == reader]
        released = self.engine.release_all(self._reader(reader), "password_changed")
        assert released == Released(len(held))
        for i in held:
            m.slots[i] = ModelSlot(m.slots[i].idle_limit, m.slots[i].generation + 1)
            m.notices += 1

    # --- what the results must be --------------------------------------------------
    def _expect_acquired(self, result: object, device: str, *, silent: bool) -> None:
        m = self.model
        assert isinstance(result, Acquired), result
        slot = m.slots[result.lease.slot]
        if silent:
            # Never a holder with recent input, unless explicitly taken over.
            assert slot.vacant(m.now), (slot, m.now)
        else:
            # The victim is the holder idle longest (ties: either; the database's
            # clock breaks them by milliseconds the model does not see).
            oldest = min(s.input_at for s in m.slots)
            assert slot.input_at == oldest and result.took_over
        m.give(result.lease.slot, device)
        assert result.lease.generation == m.slots[result.lease.slot].generation
        self.tokens[device] = result.lease.token

    def _expect_refusal_to_read(self, result: object, device: str) -> None:
        token, m = self.tokens.get(device), self.model
        if token is not None and m.slots[token.slot].generation > token.generation:
            assert isinstance(result, Displaced), result
            assert result.by.device == m.slots[token.slot].device
        else:
            assert isinstance(result, Busy), result

    # --- invariants ----------------------------------------------------------------
    @invariant()
    def store_agrees_with_the_model(self) -> None:
        if not hasattr(self, "model"):
            return
        self._sync_clock()
        now, rows = self.store.read_seat(self.seat.id)
        live = [r for r in rows if r.is_live(now)]
        assert len(live) <= self.seat.slots
        assert [(r.generation, r.device) for r in rows] == [
            (s.generation, s.device) for s in self.model.slots
        ] or not rows

    @invariant()
    def each_displacement_yields_exactly_one_notice(self) -> None:
        if hasattr(self, "model"):
            assert len(self.notices) == self.model.notices


def _run(kind: str, examples: int) -> None:
    machine = type(f"{kind.title()}LeaseMachine", (LeaseMachine,), {"store_kind": kind})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_it_matches_the_reference_model_on_the_memory_store() -> None:
    _run("memory", 200)


@pytest.mark.django_db
def test_it_matches_the_reference_model_on_the_sql_store() -> None:
    # This pass's database: SQLite on the first pass, PostgreSQL on the second.
    _run("sql", 40)
