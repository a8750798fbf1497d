"""`kiosco live`: the live service (Server-Sent Events) for the production shape, beside
`kiosco serve`'s WSGI workers; the proxy routes `/live/` here (README)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiosco.lib.env import env_int

IN_PROCESS = "kiosco.leases.notifiers.memory.InProcessNotifier"


class Command(BaseCommand):
    help = "Serve the live notices (SSE) with granian; pages stay on `kiosco serve`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("KIOSCO_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("KIOSCO_LIVE_PORT", 8001))
        parser.add_argument("--workers", type=int, default=env_int("KIOSCO_LIVE_WORKERS", 1))

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.KIOSCO_LEASE_NOTIFIER == IN_PROCESS:
            raise CommandError(
                "kiosco live runs apart from the pages, so lease notices must cross "
                "processes: set REDIS_URL (Redis pub/sub) or KIOSCO_LEASE_NOTIFIER="
                "kiosco.leases.notifiers.postgres.PostgresNotifier. The embedded shape "
                "(kiosco serve --embedded) serves /live/ itself."
            )
        argv = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            str(max(1, options["workers"])),
            # Open live streams never end by themselves: past this, stop the workers.
            "--workers-kill-timeout",
            "10",
            "--no-ws",
            "--log-level",
            "warning",
            "kiosco.live.asgi:application",
        ]
        self.stdout.write(
            f"Kiosco live notices on http://{options['host']}:{options['port']}/live/"
        )
        self.stdout.flush()
        os.execv(sys.executable, argv)
