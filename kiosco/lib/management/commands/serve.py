"""`kiosco serve`: the production server (granian), static files by WhiteNoise.

Pages and the API run on WSGI (ARCHITECTURE.md, Serving: 2.3-2.8x the requests/s of
ASGI here). `--embedded` is the shape of `make run`: one ASGI process, so the live
service can share it, and a `kiosco worker` beside it for the periodic jobs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from kiosco.lib.env import env_int


class Command(BaseCommand):
    help = "Serve Kiosco with granian (WSGI by default; --embedded for the one-process shape)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("KIOSCO_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("KIOSCO_PORT", 8000))
        parser.add_argument(
            "--workers", type=int, default=env_int("KIOSCO_WEB_WORKERS", os.cpu_count() or 1)
        )
        parser.add_argument(
            "--threads", type=int, default=env_int("KIOSCO_WEB_THREADS", 0), help=THREADS_HELP
        )
        parser.add_argument("--embedded", action="store_true", help="one ASGI process (make run)")
        parser.add_argument("--no-collectstatic", action="store_true")
        parser.add_argument("--no-worker", action="store_true", help="embedded: no job worker")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_collectstatic"] and not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        if options["embedded"] and not options["no_worker"]:
            start_worker_beside_this_process()
        workers = coherent_workers(options["workers"])
        if workers != options["workers"] and not options["embedded"]:
            self.stderr.write(ONE_WORKER_NOTE)
        threads = options["threads"] or default_threads(workers)
        argv = self.granian_argv({**options, "workers": workers, "threads": threads})
        self.stdout.write(f"Kiosco on http://{options['host']}:{options['port']}/", ending="\n")
        self.stdout.flush()
        # exec, not a child: signals from the supervisor reach granian directly.
        os.execv(sys.executable, argv)

    def granian_argv(self, options: dict[str, Any]) -> list[str]:
        embedded = options["embedded"]
        interface, target = (
            # asginl: ASGI without the lifespan protocol, which Django does not speak.
            ("asginl", "kiosco.asgi:application")
            if embedded
            else ("wsgi", "kiosco.wsgi:application")
        )
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            interface,
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            "1" if embedded else str(max(1, options["workers"])),
            # granian runs ASGI apps on its event loop: one blocking thread only.
            "--blocking-threads",
            "1" if embedded else str(max(1, options["threads"])),
            # Embedded, every open subscriber page holds a live stream for good: lift
            # granian's cap of 1,024 concurrent requests (WSGI keeps its default).
            *(["--backpressure", str(env_int("KIOSCO_LIVE_STREAMS", 20000))] if embedded else []),
            # Open live streams never end by themselves: past this, stop the workers.
            "--workers-kill-timeout",
            "10",
            "--no-ws",
            "--log-level",
            "warning",
            target,
        ]


ONE_WORKER_NOTE = (
    "kiosco serve: REDIS_URL is not set, so the cache is each process's own: serving with "
    "one worker (and its threads). Set REDIS_URL to run more."
)


THREADS_HELP = "threads per worker (default: 1 with several workers, 4 with one)"


def default_threads(workers: int) -> int:
    """Processes, not threads, carry the load when there are several: under wrk on two
    cores a subscriber's page cost each worker 0.95-1.07 ms of CPU with one thread and
    1.24-1.58 ms with four (threads waiting on PostgreSQL and Redis hand the GIL to and
    fro), and served 1,080-1,130 req/s against 660-1,060. A single worker (no Redis)
    keeps four, or one slow request would stop the edition."""
    return 1 if workers > 1 else 4


def coherent_workers(requested: int) -> int:
    """Without Redis the cache is each process's own memory: a second worker would go
    on serving the article an editor just changed, or the snapshot of a reader whose
    seat was just revoked. One process (with its threads) stays coherent."""
    return max(1, requested) if settings.REDIS_URL else 1


def start_worker_beside_this_process() -> None:
    """The embedded shape's task worker. It watches this PID, which granian keeps
    after the exec, and exits when the server does."""
    command = [sys.executable, "-m", "kiosco.cli", "worker", "--parent-pid", str(os.getpid())]
    subprocess.Popen(command)
