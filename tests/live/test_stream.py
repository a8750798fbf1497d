"""The live service as pages meet it: a real ``kiosco live`` process on Redis pub/sub,
a real stream, and a takeover made in another process (this one)."""

from __future__ import annotations

import asyncio
import http.client
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
from django.db import connection

from kiosco.leases import services as leases
from kiosco.leases.notifiers.memory import InProcessNotifier
from kiosco.leases.results import Acquired, Notice
from kiosco.leases.tokens import sign_token
from kiosco.live.hub import MAX_STREAMS_PER_DEVICE, Hub
from kiosco.subscriptions.services.entitlements import entitlements_for
from tests.support.personas import personas

LAPTOP, PHONE = "a" * 32, "b" * 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _test_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def live_process(redis_url: str, settings) -> Iterator[int]:
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=_test_database_url(),
        REDIS_URL=redis_url,
        KIOSCO_SECRET_KEY=settings.SECRET_KEY,  # it must read the tokens this process signs
        KIOSCO_DEBUG="1",
    )
    command = [sys.executable, "-m", "kiosco.cli", "live", "--port", str(port)]
    server = subprocess.Popen(command, env=env)
    try:
        for _ in range(150):  # bounded: 30 s to answer
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/live/healthz", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, "kiosco live exited"
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def redis_notices(redis_url: str, settings) -> Iterator[None]:
    """This process publishes lease notices on Redis, as a web instance does."""
    settings.REDIS_URL = redis_url
    settings.KIOSCO_LEASE_NOTIFIER = "kiosco.leases.notifiers.redis_pubsub.RedisNotifier"
    leases.notifier.cache_clear()
    yield
    leases.notifier.cache_clear()


def stream_lines(port: int, device: str, token: str) -> queue.Queue[str]:
    """Open ``/live/lease`` as a page would; its lines arrive on the returned queue."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        cookies = f"kiosco_device={device}; kiosco_lease={token}"
        conn.request("GET", "/live/lease", headers={"Cookie": cookies})
        response = conn.getresponse()
        lines.put(f"status: {response.status}")
        for raw in response:
            lines.put(raw.decode().rstrip("\r\n"))
        lines.put("closed")

    threading.Thread(target=read, daemon=True).start()
    return lines


def wait_for(lines: queue.Queue[str], wanted: str) -> list[str]:
    seen: list[str] = []
    while wanted not in seen:
        seen.append(lines.get(timeout=15))
        assert seen[-1] != "closed" or wanted == "closed", seen
    return seen


@pytest.mark.django_db(transaction=True)
def test_kiosco_live_tells_the_displaced_page_across_processes(live_process, redis_notices):
    alice = personas().alice
    seat = entitlements_for(alice).seat_id
    assert seat is not None
    held = leases.check_lease(seat, 1, alice.pk, LAPTOP, 0, None)
    assert isinstance(held, Acquired)
    laptop = stream_lines(live_process, LAPTOP, sign_token(held.lease))
    assert wait_for(laptop, "retry: 3000")[0] == "status: 200"  # checked: still holds

    taken = leases.take_over_lease(seat, 1, alice.pk, PHONE, 0, None)

    assert isinstance(taken, Acquired) and taken.took_over
    assert "event: changed" in wait_for(laptop, "event: changed")
    # Reconnecting with the old token: told at once, from the database, no notice needed.
    again = stream_lines(live_process, LAPTOP, sign_token(held.lease))
    assert "event: changed" in wait_for(again, "event: changed")


@pytest.mark.django_db(transaction=True)
def test_a_page_without_a_genuine_lease_gets_no_stream(live_process):
    lines = stream_lines(live_process, LAPTOP, "forged-token")
    assert lines.get(timeout=15) == "status: 204"  # EventSource stops asking


def test_the_hub_hands_a_notice_only_to_the_device_it_names_and_bounds_streams():
    notifier = InProcessNotifier()
    hub = Hub(notifier.subscribe)

    async def scenario() -> tuple[Notice, bool, int]:
        laptop = hub.open(LAPTOP)
        phone = hub.open(PHONE)
        assert laptop is not None and phone is not None
        extra = [hub.open(PHONE) for _ in range(MAX_STREAMS_PER_DEVICE)]
        refused = extra[-1] is None
        assert hub.wait_listening(5)
        notifier.publish(Notice(7, 0, 3, LAPTOP, PHONE, "taken_over"))
        notice = await asyncio.wait_for(laptop.get(), timeout=5)
        return notice, refused, phone.qsize()

    outcome: list[tuple[Notice, bool, int]] = []
    # A thread of its own: the browser tests keep an event loop running in this one.
    runner = threading.Thread(target=lambda: outcome.append(asyncio.run(scenario())))
    runner.start()
    runner.join(timeout=30)
    [(notice, refused, phone_pending)] = outcome
    assert notice.device == LAPTOP and notice.reason == "taken_over"
    assert refused and phone_pending == 0


def test_the_embedded_server_routes_live_streams_to_the_live_app(tmp_path):
    """`make run`'s one process: pages and /live/ on one port."""
    port = _free_port()
    env = dict(
        os.environ, KIOSCO_SECRET_KEY="s" * 40, KIOSCO_DEBUG="1", KIOSCO_VAR_DIR=str(tmp_path)
    )
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "kiosco.cli", "serve", "--embedded", "--no-worker"]
    server = subprocess.Popen([*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    try:
        answers: dict[str, bytes] = {}
        for _ in range(150):  # bounded: 30 s to answer
            try:
                for path in ("/live/healthz", "/healthz/live"):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                        answers[path] = r.read()
                break
            except OSError:
                assert server.poll() is None, "the embedded server exited"
                time.sleep(0.2)
        assert answers == {"/live/healthz": b"ok 0 streams", "/healthz/live": b"ok"}
    finally:
        server.terminate()
        server.wait(timeout=30)
