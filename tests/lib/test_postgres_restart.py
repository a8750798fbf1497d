"""Faults survived: PostgreSQL killed and started again under a stream of writes.

A throwaway PostgreSQL server this test starts itself (``ThrowawayPostgres``: its data
in a temporary directory the ``postgres`` account can reach) holds an edition, served
by ``kiosco serve`` (granian, two WSGI workers, persistent connections).
Readers take the reading from each other's devices (lease takeovers), invitees accept
seats, billing systems post renewals. Mid-stream one request of each kind is caught
inside the database, waiting on a row lock the test holds, and the server is killed
(``pg_ctl -m immediate``: every backend dies, as in a crash). Those requests, and every
one while the database is down, answer 503 with ``Retry-After`` — never a 500, never a
traceback. Started again, the app reconnects by itself, and every write that got a
success answer is in the database. Synchronised on what the streams and the database
report (barriers), never on the clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count, cycle
from pathlib import Path
from typing import Any

import psycopg
import pytest

from kiosco.leases.engine import Token
from kiosco.leases.tokens import read_token
from kiosco.subscriptions.billing.webhook import sign
from tests.support.http import Answer, Browser
from tests.support.services import ThrowawayPostgres, _free_port, _postgres_binaries

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_restart_0123456789"
READERS, INVITEES, OWNERS = 2, 40, 2
ACKS_BEFORE, ACKS_AFTER = 2, 2
# A guard against a hang, never an assertion about speed.
PATIENCE = 120.0


@pytest.fixture
def postgres_pass(on_postgres: bool) -> None:
    if not on_postgres:
        pytest.skip("it starts its own PostgreSQL whatever the pass: once is enough")


@pytest.fixture
def server() -> Iterator[ThrowawayPostgres]:
    bindir = _postgres_binaries()
    assert bindir is not None, "the fault tests need PostgreSQL's binaries (initdb, pg_ctl)"
    postgres = ThrowawayPostgres(bindir)
    postgres.start()
    try:
        yield postgres
    finally:
        postgres.stop("immediate", check=False)  # a failed test may have left it stopped


@dataclass
class Edition:
    """The edition on the throwaway server, and ``kiosco serve`` in front of it."""

    port: int
    process: subprocess.Popen[bytes]
    readers: list[dict[str, str]]
    invitees: list[dict[str, str]]
    start: int
    log: Path


@pytest.fixture
def edition(server: ThrowawayPostgres, tmp_path: Path) -> Iterator[Edition]:
    environ = {
        **os.environ,
        "DATABASE_URL": server.url,
        "KIOSCO_DEBUG": "0",
        "KIOSCO_VAR_DIR": str(tmp_path),  # its outbox and files, not the checkout's
        "KIOSCO_BILLING_PROVIDER": "webhook",
        "KIOSCO_BILLING_WEBHOOK_SECRET": SECRET,
        "KIOSCO_LEASE_TAKEOVERS": "1000000",  # takeovers as fast as the test sends them
    }
    environ.pop("REDIS_URL", None)  # the database is the only service: the one that fails
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.support.fault_edition",
            *map(str, (READERS, INVITEES, OWNERS)),
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        check=True,
    )
    seed = json.loads(built.stdout.decode().strip().splitlines()[-1])
    port = _free_port()
    serve = [sys.executable, "-m", "kiosco.cli", "serve", "--port", str(port), "--workers", "2"]
    # Its log (a traceback per 503, as Django logs them) goes to a file, shown on failure.
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*serve, "--threads", "4", "--no-collectstatic"],
            cwd=ROOT,
            env=environ,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        Browser(port).wait_until_it_answers(process)
        yield Edition(port, process, seed["readers"], seed["invitees"], seed["start"], log)
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Invitee:
    email: str
    key: str
    browser: Browser


# --- the streams of writes ------------------------------------------------------------
@dataclass
class Tally:
    """What the streams saw, shared with the test (which waits on it)."""

    outage: threading.Event = field(default_factory=threading.Event)
    back: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    acks: dict[str, list[Any]] = field(default_factory=dict)
    acks_after: dict[str, int] = field(default_factory=dict)
    unavailable: dict[str, int] = field(default_factory=dict)
    in_flight: list[Answer] = field(default_factory=list)  # sent before the kill, answered after
    wrong: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def wait_until(self, what: str, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + PATIENCE
        with self.changed:
            while not done():
                assert not self.wrong, self.wrong
                assert time.monotonic() < deadline, f"never happened: {what} ({self})"
                self.changed.wait(timeout=1.0)


class Stream(threading.Thread):
    """One client writing again and again: ``step`` sends one request and returns
    the answer, and the acknowledged write (or None)."""

    def __init__(self, name: str, tally: Tally, step: Callable[[], tuple[Answer, Any]]) -> None:
        super().__init__(name=name, daemon=True)
        self.tally, self.step = tally, step
        tally.acks[name], tally.acks_after[name], tally.unavailable[name] = [], 0, 0

    def run(self) -> None:
        tally = self.tally
        while not tally.stop.is_set():
            down_before = tally.outage.is_set()
            try:
                answer, acked = self.step()
            except Exception as failed:  # the web server itself must keep answering
                with tally.changed:
                    tally.wrong.append(f"{self.name}: {failed!r}")
                    tally.changed.notify_all()
                return
            with tally.changed:
                self._count(answer, acked, sent_before_the_kill=not down_before)
                tally.changed.notify_all()
            if answer.status == 503 and tally.outage.is_set():
                # Seen it: quiet until the database is back (a client that honours
                # Retry-After), instead of thousands of 503s a second.
                tally.back.wait()

    def _count(self, answer: Answer, acked: Any, *, sent_before_the_kill: bool) -> None:
        tally = self.tally
        if answer.status >= 500:
            if answer.status != 503 or not answer.headers.get("retry-after"):
                tally.wrong.append(f"{self.name}: {answer.status} {answer.headers}")
            if b"Traceback" in answer.body:
                tally.wrong.append(f"{self.name}: a traceback in the answer")
            tally.unavailable[self.name] += 1
            if sent_before_the_kill and tally.outage.is_set():
                tally.in_flight.append(answer)
        elif acked is not None:
            tally.acks[self.name].append(acked)
            if tally.back.is_set():
                tally.acks_after[self.name] += 1


def takeovers(phone: Browser, laptop: Browser) -> Callable[[], tuple[Answer, Token | None]]:
    """ "Continue reading here", on the phone then the laptop, and again. A success is a
    redirect carrying the lease token of the slot this device now holds."""
    devices = cycle([phone, laptop])

    def step() -> tuple[Answer, Token | None]:
        device = next(devices)
        answer = device.post("/paywall/continue/", {"next": "/"})
        lease = answer.cookies.get("kiosco_lease")
        if answer.status != 302 or lease is None:
            return answer, None
        token = read_token(lease, device.cookies["kiosco_device"])
        assert token is not None, lease
        return answer, token

    return step


def acceptances(invitees: list[Invitee]) -> Callable[[], tuple[Answer, str | None]]:
    """Each invitee in turn accepts their invitation, again after a 503 (the page's
    button pressed once more). A success is the redirect to the front page."""
    waiting = list(invitees)

    def step() -> tuple[Answer, str | None]:
        if not waiting:
            return invitees[0].browser.get("/healthz/live"), None  # everyone is seated
        invitee = waiting[0]
        answer = invitee.browser.post(f"/invitations/{invitee.key}/", {})
        if answer.status == 302:
            waiting.pop(0)
            return answer, invitee.email
        if answer.status == 200:  # an earlier try committed, its answer lost: "you have it"
            waiting.pop(0)
        return answer, None

    return step


def renewals(browser: Browser, subscription: int, start: int) -> Callable[[], tuple[Answer, Any]]:
    """A billing system posting renewal after renewal, each redelivered until answered
    (as providers do). A success is the webhook's ``received``."""
    numbers = count(1)
    pending: list[int] = []

    def step() -> tuple[Answer, Any]:
        if not pending:
            pending.append(next(numbers))
        n = pending[0]
        event = {
            "id": f"evt_{subscription}_{n}",
            "type": "renewed",
            "created": start + n,
            "subscription": {"id": f"sub_{subscription}", "period_end": start + 30 * 86400 + n},
        }
        body = json.dumps(event).encode()
        signature = {"Kiosco-Signature": sign(body, SECRET, int(time.time()))}
        answer = browser.post("/billing/webhook/", body=body, headers=signature)
        if answer.status != 200:
            return answer, None
        pending.clear()
        return answer, (event["id"], start + 30 * 86400 + n)

    return step


# --- the database, seen from outside --------------------------------------------------
def hold_one_row_of_each_kind(url: str) -> psycopg.Connection[Any]:
    """Row locks that the next renewal of ``sub_0``, the next acceptance (acme's
    subscription) and reader0's next takeover (their seat's slot) will wait on."""
    holder = psycopg.connect(url)
    holder.execute(
        "SELECT 1 FROM subscriptions_subscription WHERE external_id = 'sub_0' FOR UPDATE"
    )
    holder.execute(
        "SELECT 1 FROM subscriptions_subscription WHERE organisation_id IS NOT NULL FOR UPDATE"
    )
    holder.execute(
        "SELECT 1 FROM leases_slot WHERE seat IN (SELECT seat.id FROM subscriptions_seat seat "
        "JOIN readers_reader reader ON reader.id = seat.holder_id "
        "WHERE reader.email = 'reader0@example.com') FOR UPDATE"
    )
    return holder


def waiting_on_locks(url: str) -> list[str]:
    with psycopg.connect(url, autocommit=True) as watcher:
        rows = watcher.execute(
            "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        ).fetchall()
    return [str(row[0]) for row in rows]


def three_requests_caught(url: str) -> bool:
    queries = waiting_on_locks(url)
    on_subscriptions = [q for q in queries if "subscriptions_subscription" in q]
    return len(on_subscriptions) >= 2 and any("leases_slot" in q for q in queries)


def test_it_answers_503_while_postgres_restarts_and_loses_no_acknowledged_write(
    postgres_pass: None, server: ThrowawayPostgres, edition: Edition
) -> None:
    tally = Tally()
    streams = _streams(edition, tally)
    for stream in streams:
        stream.start()
    try:
        tally.wait_until(
            "some acknowledged writes of every kind",
            lambda: all(len(acks) >= ACKS_BEFORE for acks in tally.acks.values()),
        )
        holder = hold_one_row_of_each_kind(server.url)
        _wait_for_the_database("three requests waiting inside it", server.url, tally)
        with tally.changed:
            tally.outage.set()
        server.stop("immediate")  # a crash: every backend, the lock holder's too, dies
        holder.close()
        tally.wait_until(
            "every stream answered 503",
            lambda: all(n >= 1 for n in tally.unavailable.values()) and len(tally.in_flight) >= 3,
        )
        server.start()
        with tally.changed:
            tally.back.set()
        tally.wait_until(
            "acknowledged writes of every kind after the restart",
            lambda: all(n >= ACKS_AFTER for n in tally.acks_after.values()),
        )
    finally:
        tally.stop.set()
        tally.back.set()  # a stream waiting for the database stops waiting
        for stream in streams:
            stream.join(timeout=PATIENCE)
    assert not tally.wrong, tally.wrong
    assert all(answer.status == 503 for answer in tally.in_flight)
    _assert_every_acknowledged_write_is_there(server.url, tally)


def _streams(edition: Edition, tally: Tally) -> list[Stream]:
    streams = []
    for n, sessions in enumerate(edition.readers):
        phone = Browser(edition.port, sessions["phone"]).with_a_device()
        laptop = Browser(edition.port, sessions["laptop"]).with_a_device()
        streams.append(Stream(f"takeovers{n}", tally, takeovers(phone, laptop)))
    invitees = [
        Invitee(i["email"], i["key"], Browser(edition.port, i["session"])) for i in edition.invitees
    ]
    streams.append(Stream("acceptances", tally, acceptances(invitees)))
    for n in range(OWNERS):
        streams.append(
            Stream(f"renewals{n}", tally, renewals(Browser(edition.port), n, edition.start))
        )
    return streams


def _wait_for_the_database(what: str, url: str, tally: Tally) -> None:
    deadline = time.monotonic() + PATIENCE
    while not three_requests_caught(url):  # polls the database's own account of it
        assert not tally.wrong, tally.wrong
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def _assert_every_acknowledged_write_is_there(url: str, tally: Tally) -> None:
    with psycopg.connect(url, autocommit=True) as db:
        for name, acks in tally.acks.items():
            if name.startswith("takeovers"):
                _assert_takeovers_are_there(db, acks)
            elif name == "acceptances":
                _assert_seats_are_taken(db, acks)
            else:
                _assert_renewals_are_applied(db, int(name.removeprefix("renewals")), acks)


def _assert_takeovers_are_there(db: psycopg.Connection[Any], tokens: list[Token]) -> None:
    """Each token a device was handed is a line of the lease log: the slot moved to it."""
    for token in tokens:
        found = db.execute(
            "SELECT kind FROM leases_event WHERE seat = %s AND slot = %s AND generation = %s "
            "AND device = %s AND kind IN ('acquired', 'taken_over')",
            (token.seat, token.slot, token.generation, token.device),
        ).fetchall()
        assert len(found) == 1, (token, found)


def _assert_seats_are_taken(db: psycopg.Connection[Any], emails: list[str]) -> None:
    seated = db.execute(
        "SELECT reader.email FROM subscriptions_seat seat "
        "JOIN readers_reader reader ON reader.id = seat.holder_id"
    ).fetchall()
    accepted = db.execute(
        "SELECT email FROM subscriptions_invitation WHERE state = 'accepted'"
    ).fetchall()
    assert set(emails) <= {row[0] for row in seated}
    assert set(emails) <= {row[0] for row in accepted}


def _assert_renewals_are_applied(
    db: psycopg.Connection[Any], subscription: int, renewals: list[tuple[str, int]]
) -> None:
    for event_id, _period_end in renewals:
        found = db.execute(
            "SELECT outcome FROM subscriptions_billingevent WHERE event_id = %s", (event_id,)
        ).fetchone()
        assert found == ("applied",), (event_id, found)
    end = db.execute(
        "SELECT extract(epoch FROM current_period_end) FROM subscriptions_subscription "
        "WHERE external_id = %s",
        (f"sub_{subscription}",),
    ).fetchone()
    assert end is not None and float(end[0]) >= max(period_end for _, period_end in renewals)
