"""`kiosco worker`: runs Kiosco's periodic jobs (``settings.KIOSCO_PERIODIC_JOBS``) and
the background tasks queued in the database (django-tasks-db: no broker), so the
embedded shape's one worker beside `kiosco serve --embedded` does both.

Each job is a dotted path to a function with no arguments and an interval in seconds.
Running more than one worker is safe: every job locks the rows it changes, so a
second worker only finds nothing left to do. ``--once`` runs each job once (cron).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger("kiosco.worker")
TICK = 1.0


class Command(BaseCommand):
    help = "Run the periodic jobs (subscription roll-over …) on their intervals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument(
            "--parent-pid", type=int, help="exit when this process is gone (embedded shape)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = dict(settings.KIOSCO_PERIODIC_JOBS)
        if options["once"]:
            for path in jobs:
                self.stdout.write(f"{path}: {run_job(path)}")
            run_queued_tasks()
            return
        self.stopping = False
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.loop(jobs, options.get("parent_pid"))

    def stop(self, *_: Any) -> None:
        self.stopping = True

    def loop(self, jobs: dict[str, int], parent_pid: int | None) -> None:
        due = dict.fromkeys(jobs, 0.0)
        while not self.stopping and (parent_pid is None or os.getppid() == parent_pid):
            now = time.monotonic()
            for path, interval in jobs.items():
                if now >= due[path]:
                    close_old_connections()  # a long-lived process: drop dead connections
                    run_job(path)
                    due[path] = time.monotonic() + interval
            run_queued_tasks()
            time.sleep(TICK)


def run_job(path: str) -> object:
    """Run one job; a failure is logged and the worker goes on with the next one."""
    try:
        return import_string(path)()
    except Exception:  # a broken job must not stop the others
        logger.exception("periodic job %s failed", path)
        return "failed"


def run_queued_tasks() -> None:
    """Run every task waiting in the database queue, then return (the loop goes on with
    the periodic jobs). django-tasks-db's own worker does the claiming and the
    bookkeeping; `batch` makes it stop when the queue is empty."""
    from django_tasks.utils import get_random_id
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_id(),
    )
    try:
        worker.run()
    except Exception:  # a broken task is recorded failed by the worker; this is the rest
        logger.exception("running queued tasks failed")
