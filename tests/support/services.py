"""Find the PostgreSQL and Redis servers the suite needs, or start throwaway ones.

Order for each: the URL in the environment (KIOSCO_TEST_DATABASE_URL,
KIOSCO_TEST_REDIS_URL), the local default (127.0.0.1), then a throwaway server from
local binaries, its data in a fresh temporary directory (never under the checkout,
which may sit in a private home the ``postgres`` account cannot enter). If none
works, ``ServiceMissing`` says how to provide one: the suite never skips what it cannot reach.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POSTGRES = "postgresql://127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"


class ServiceMissing(RuntimeError):
    pass


def _postgres_answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=3).ping())
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def _as_postgres_user(command: list[str]) -> list[str]:
    # initdb refuses to run as root; on a root shell run it as the postgres account.
    if os.geteuid() == 0 and shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def throwaway_postgres_dir() -> Path:
    """A new directory the server's account can reach: under the system's temporary
    directory, owned by ``postgres`` when we are root (initdb refuses root)."""
    data = Path(tempfile.mkdtemp(prefix="kiosco-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    data.chmod(0o700)
    atexit.register(shutil.rmtree, data, ignore_errors=True)
    return data


class ThrowawayPostgres:
    """A PostgreSQL server of our own: its data in a fresh directory the ``postgres``
    account can reach, on a free port; it can be stopped (cleanly, or killed as a
    crash would) and started again on the same data and port."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.data = throwaway_postgres_dir()
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        initdb = [str(bindir / "initdb"), "-A", "trust", "-U", "postgres", str(self.data)]
        self._run(initdb, capture_output=True)

    def start(self) -> None:
        # fsync off: only the server dies in these tests, never the machine's page cache.
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        # The server's output goes to a log file: a pipe would stay open for its whole life.
        log = str(self.data / "server.log")
        self._run([self._pg_ctl, "-D", str(self.data), "-l", log, "-w", "-o", options, "start"])

    def stop(self, mode: str = "fast", *, check: bool = True) -> None:
        """``fast``: a clean shutdown; ``immediate``: every backend killed, as a crash.
        ``check=False``: it may be stopped already."""
        self._run([self._pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"], check=check)

    def stop_at_exit(self) -> None:
        stop = [self._pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"]
        atexit.register(
            subprocess.run, _as_postgres_user(stop), stdout=subprocess.DEVNULL, cwd=self.data
        )

    @property
    def _pg_ctl(self) -> str:
        return str(self.bindir / "pg_ctl")

    def _run(self, command: list[str], **options: Any) -> None:
        # cwd: the postgres account may not enter the caller's working directory.
        if not options.get("capture_output"):
            options.setdefault("stdout", subprocess.DEVNULL)
        options.setdefault("check", True)
        subprocess.run(_as_postgres_user(command), cwd=self.data, **options)


def _start_throwaway_postgres(bindir: Path) -> str:
    server = ThrowawayPostgres(bindir)
    server.start()
    server.stop_at_exit()
    return server.url


def ensure_postgres() -> str:
    url = os.environ.get("KIOSCO_TEST_DATABASE_URL", DEFAULT_POSTGRES)
    if _postgres_answers(url):
        return url
    bindir = _postgres_binaries()
    if bindir is not None:
        print(f"PostgreSQL is not answering at {url}; starting a throwaway server from {bindir}")
        try:
            throwaway = _start_throwaway_postgres(bindir)
        except (subprocess.CalledProcessError, OSError) as exc:
            raise ServiceMissing(f"could not start a throwaway PostgreSQL: {exc}") from exc
        if _postgres_answers(throwaway):
            return throwaway
    raise ServiceMissing(
        f"PostgreSQL is not reachable at {url} and no local PostgreSQL binaries were found.\n"
        "  Start a server (Debian: apt-get install postgresql), or point the suite at one:\n"
        "  KIOSCO_TEST_DATABASE_URL=postgresql://USER@HOST:PORT/DB make test"
    )


def ensure_redis() -> str:
    url = os.environ.get("KIOSCO_TEST_REDIS_URL", DEFAULT_REDIS)
    if _redis_answers(url):
        return url
    server = shutil.which("redis-server")
    if server:
        port = _free_port()
        print(f"Redis is not answering at {url}; starting a throwaway redis-server on {port}")
        process = subprocess.Popen(
            [
                server,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        atexit.register(process.terminate)
        throwaway = f"redis://127.0.0.1:{port}/0"
        for _ in range(50):
            if _redis_answers(throwaway):
                return throwaway
            time.sleep(0.1)
    raise ServiceMissing(
        f"Redis is not reachable at {url} and no redis-server binary was found.\n"
        "  Start one (Debian: apt-get install redis-server), or point the suite at one:\n"
        "  KIOSCO_TEST_REDIS_URL=redis://HOST:PORT/DB make test"
    )
