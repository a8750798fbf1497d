"""Stop a real ``kiosco`` process at a chosen point, so a test can SIGKILL it exactly
there: a barrier, not a timer.

    python -m tests.support.killpoints roll-subscriptions        # any kiosco command
    python -m tests.support.killpoints runserver --noreload 8123

with ``KIOSCO_TEST_KILLPOINT=<point>:<n>`` and ``KIOSCO_TEST_KILLPOINT_SOCKET=<path of
a Unix socket the test listens on>``. When the process reaches the n-th ``<point>``, it
says so on the socket (one line) and blocks until it is killed. Without the variables
the command runs untouched (the uninterrupted run the test compares with).

Points (the services' own steps; the hooks wrap them, the services know nothing):

* ``roll:written``    a subscription's roll-over is written, not yet committed
* ``roll:committed``  it is committed; its after-commit work (emails) not yet run
* ``billing:applied``   a billing event is stored and applied, not yet committed
* ``billing:committed`` it is committed; its after-commit work not yet run
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
POINT = "KIOSCO_TEST_KILLPOINT"
SOCKET = "KIOSCO_TEST_KILLPOINT_SOCKET"

_reached: Counter[str] = Counter()


def _wanted() -> tuple[str, int] | None:
    value = os.environ.get(POINT, "")
    if not value:
        return None
    point, _, count = value.rpartition(":")
    return point, int(count)


def reach(point: str) -> None:
    """Count ``point``; at the wanted occurrence, tell the test and wait to be killed."""
    _reached[point] += 1
    if _wanted() != (point, _reached[point]):
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as barrier:
        barrier.connect(os.environ[SOCKET])
        barrier.sendall(f"at {point}:{_reached[point]}\n".encode())
        barrier.recv(1)  # never answered: the test kills this process here
    raise SystemExit(f"the test closed the barrier at {point} without killing the process")


def _around(step: Callable[..., Any], written: str, committed: str) -> Callable[..., Any]:
    """``step`` runs inside a transaction: pause after it (still uncommitted), and
    first in its after-commit callbacks (committed, the rest not yet run)."""
    from django.db import transaction

    @wraps(step)
    def paused(*args: Any, **kwargs: Any) -> Any:
        # Registered before the step's own callbacks, so it runs first after commit.
        transaction.on_commit(lambda: reach(committed))
        result = step(*args, **kwargs)
        reach(written)
        return result

    return paused


def install() -> None:
    from kiosco.subscriptions.services import billing_events, lifecycle

    lifecycle._roll_over = _around(lifecycle._roll_over, "roll:written", "roll:committed")
    billing_events._drain = _around(billing_events._drain, "billing:applied", "billing:committed")


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiosco.settings")
    import django

    django.setup()
    install()
    from kiosco.cli import main as kiosco

    kiosco(["kiosco", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])


# --- the test's side ------------------------------------------------------------------
class KillPoint:
    """The test's end of the barrier: a Unix socket the process reports to."""

    def __init__(self) -> None:
        # A short path: a Unix socket's must fit in 108 bytes (pytest's tmp_path may not).
        self.directory = tempfile.mkdtemp(prefix="kiosco-kp-")
        self.path = os.path.join(self.directory, "barrier")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(1)
        self.server.settimeout(0.2)  # to notice a process that exits instead of reaching it

    def environ(self, point: str) -> dict[str, str]:
        return {POINT: point, SOCKET: self.path}

    def kill_when_reached(self, process: subprocess.Popen[bytes]) -> str:
        """Wait until ``process`` reports its point, SIGKILL it there; what it said."""
        while True:
            try:
                connection, _ = self.server.accept()
                break
            except TimeoutError:
                if process.poll() is not None:
                    raise AssertionError(
                        f"the process exited ({process.returncode}) before its kill point"
                    ) from None
        with connection:
            connection.settimeout(None)
            said = connection.makefile().readline().strip()
            os.kill(process.pid, signal.SIGKILL)  # it is blocked on this very connection
            assert process.wait() == -signal.SIGKILL
        return said

    def close(self) -> None:
        self.server.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def database_url() -> str:
    """This pass's test database, as a URL for another process."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    return f"postgresql://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


def kiosco_process(argv: list[str], environ: dict[str, str]) -> subprocess.Popen[bytes]:
    """``kiosco <argv>`` in a process of its own, its kill points armed by ``environ``."""
    command = [sys.executable, "-m", "tests.support.killpoints", *argv]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environ})
