"""Lease test fixtures: a ``lab`` that builds engines over the memory store or the SQL
store (on whichever database this pass runs), with a clock tests can move."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest

from kiosco.leases.engine import Engine, Notice, Policy
from kiosco.leases.stores import LeaseStore
from kiosco.leases.stores.connections import DjangoDatabase
from kiosco.leases.stores.memory import MemoryStore
from kiosco.leases.stores.sql import SqlStore

# Seat ids unique across the whole run, so examples never see each other's rows.
_seats = itertools.count(1_000)


def new_seat_id() -> int:
    return next(_seats)


@dataclass
class Lab:
    """Engines over one shared store. ``advance`` moves the store's clock: the memory
    store's own, or the shift the SQL store adds to the database server's clock."""

    kind: str
    now: float = 1_000_000.0
    notices: list[Notice] = field(default_factory=list)
    _memory: MemoryStore | None = None
    _sql: list[SqlStore] = field(default_factory=list)

    def store(self) -> LeaseStore:
        if self.kind == "memory":
            if self._memory is None:
                self._memory = MemoryStore(clock=lambda: self.now)
            return self._memory
        store = SqlStore(DjangoDatabase(), offset=self._sql[0].offset if self._sql else 0.0)
        self._sql.append(store)
        return store

    def engine(self, **policy: Any) -> Engine:
        settings = dict(ttl=180.0, idle=180.0, renew_sample=1.0) | policy
        return Engine(self.store(), Policy(**settings), notify=self.notices.append)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for store in self._sql:
            store.offset += seconds


@pytest.fixture(params=["memory", pytest.param("sql", marks=pytest.mark.django_db)])
def lab(request: pytest.FixtureRequest) -> Lab:
    return Lab(request.param)


@pytest.fixture
def sql_lab(db: None) -> Lab:
    return Lab("sql")
