"""App clocks are never the lease authority: the database's clock is.

Two separate processes whose app clocks are 5 minutes ahead and 5 minutes behind drive
the real SQL store on one seat and agree; and the engine with the SQL store never reads
an app clock at all (every app clock raises during lease operations).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from kiosco.leases.engine import Acquired, Busy, Device, Engine, Held, Policy, Seat
from kiosco.leases.stores.connections import DjangoDatabase
from kiosco.leases.stores.sql import SqlStore
from tests.leases.conftest import new_seat_id
from tests.leases.test_concurrency import target

ROOT = Path(__file__).resolve().parents[2]
FIVE_MINUTES = 300.0


class AppInstance:
    """A separate process running ``workers.serve_skewed`` with its app clocks skewed."""

    def __init__(self, seat: int, skew: float) -> None:
        env = dict(os.environ, KIOSCO_TEST_APP_CLOCK_SKEW=str(skew))
        command = [sys.executable, "-u", "-m", "tests.leases.workers", "skewed"]
        self.process = subprocess.Popen(
            [*command, connection.vendor, target(), str(seat)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, line: str) -> list[str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().split()
        assert answer, f"the app instance died answering {line!r}"
        return answer

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def app_clock(answer: list[str]) -> float:
    return float(answer[-1].removeprefix("app_clock="))


@pytest.mark.django_db(transaction=True)
def test_it_lets_two_processes_with_app_clocks_ten_minutes_apart_agree() -> None:
    seat = new_seat_id()
    ahead, behind = AppInstance(seat, +FIVE_MINUTES), AppInstance(seat, -FIVE_MINUTES)
    try:
        first = ahead.ask("check phone")
        assert first[0] == "Acquired", first
        slot, generation, expires = first[1], first[2], float(first[3])
        # Each really runs on its skewed clock, and the lease's expiry is the database's.
        assert abs(app_clock(first) - time.time() - FIVE_MINUTES) < 5
        assert abs(expires - (time.time() + 180)) < 5
        busy = behind.ask("check laptop")
        assert busy[0] == "Busy" and abs(app_clock(busy) - time.time() + FIVE_MINUTES) < 5
        assert behind.ask(f"renew {slot} {generation} phone")[0] == "Held"
        assert ahead.ask("check laptop")[0] == "Busy"
        assert behind.ask("check phone")[:3] == ["Held", slot, generation]
        # Past the TTL by the database's clock only (the store's shift), seen alike by both.
        assert ahead.ask("shift 181") == behind.ask("shift 181") == ["ok"]
        laptop = behind.ask("check laptop")
        assert laptop[0] == "Acquired" and int(laptop[2]) > int(generation), laptop
        assert ahead.ask(f"renew {slot} {generation} phone")[0] == "Displaced"
        assert ahead.ask("check laptop")[:3] == ["Held", laptop[1], laptop[2]]
    finally:
        ahead.close()
        behind.close()


def _app_clock_read(*args: object, **kwargs: object) -> float:
    raise AssertionError("the lease engine read an app clock")


class RaisingDatetime(datetime.datetime):
    @classmethod
    def now(cls, tz: datetime.tzinfo | None = None) -> RaisingDatetime:
        raise AssertionError("the lease engine read datetime.now()")

    @classmethod
    def utcnow(cls) -> RaisingDatetime:
        raise AssertionError("the lease engine read datetime.utcnow()")

    @classmethod
    def today(cls) -> RaisingDatetime:
        raise AssertionError("the lease engine read datetime.today()")


@contextmanager
def every_app_clock_raises(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", _app_clock_read)
        patch.setattr(time, "time_ns", _app_clock_read)
        patch.setattr(datetime, "datetime", RaisingDatetime)
        patch.setattr(timezone, "now", _app_clock_read)
        yield


@pytest.mark.django_db(transaction=True)
def test_it_never_reads_an_app_clock_during_lease_operations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = Policy(ttl=180, idle=180, renew_sample=1.0)
    engine = Engine(SqlStore(DjangoDatabase()), policy)
    seat, other = Seat(new_seat_id()), Seat(new_seat_id(), slots=2)
    connection.ensure_connection()
    with every_app_clock_raises(monkeypatch):
        phone = engine.check(seat, Device(1, "phone"))
        assert isinstance(phone, Acquired)
        assert isinstance(engine.check(seat, Device(1, "phone")), Held)
        assert isinstance(engine.renew(phone.lease.token, Device(1, "phone")), Held)
        assert isinstance(engine.acquire(seat, Device(1, "laptop")), Busy)
        laptop = engine.take_over(seat, Device(1, "laptop"), None)
        assert isinstance(laptop, Acquired) and laptop.took_over
        assert not isinstance(engine.renew(phone.lease.token, Device(1, "phone")), Held)
        assert engine.release(phone.lease.token).__class__.__name__ == "Refused"
        assert engine.release(laptop.lease.token).__class__.__name__ == "Released"
        assert isinstance(engine.check(other, Device(2, "tablet")), Acquired)
        engine.release_all(2, "password_changed")
        engine.release_device(1, "phone", "device_signed_out")
        engine.release_seat(seat.id, "seat_revoked")
