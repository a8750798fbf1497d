"""Crash and resume with a real worker process: `kiosco worker` is killed (SIGKILL, no
clean-up) while the SMTP server holds its 300th message of a 1,000-recipient issue;
a restarted worker finishes the send and every recipient has exactly one message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from kiosco.newsletter import issues
from kiosco.newsletter.models import Delivery, Issue, Subscriber
from tests.support.killpoints import database_url

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 1000
KILL_AT = 300


def _worker(smtp_port: int, **env: str) -> subprocess.Popen[bytes]:
    environ = dict(
        os.environ,
        DATABASE_URL=database_url(),
        KIOSCO_DEBUG="0",
        KIOSCO_EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        KIOSCO_NEWSLETTER_SEND_RATE="0",
        KIOSCO_NEWSLETTER_BATCH_SIZE="100",
        KIOSCO_PUBLIC_URL="http://testserver",
        **env,
    )
    command = [sys.executable, "-m", "kiosco.cli", "worker"]
    return subprocess.Popen(command, cwd=ROOT, env=environ)


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_resumes_and_sends_everyone_exactly_once(smtp_server, week):
    Subscriber.objects.bulk_create(
        Subscriber(email=f"r{n}@example.org", language="en", status="confirmed")
        for n in range(RECIPIENTS)
    )
    issue = issues.compose_issue("en")
    port = smtp_server_port(smtp_server)
    killed = threading.Event()
    first = _worker(port)

    def kill_the_worker(count: int) -> None:
        # Inside the server's DATA handler, before it answers: the worker is waiting
        # on this very message and dies without recording it as sent.
        if count == KILL_AT and not killed.is_set():
            os.kill(first.pid, signal.SIGKILL)
            killed.set()

    smtp_server.on_message = kill_the_worker
    issues.start_sending(issue)  # queues the first batch; the worker picks it up
    assert first.wait(timeout=120) == -signal.SIGKILL
    assert killed.is_set()
    interrupted = issues.progress(issue)
    assert interrupted["sent"] < KILL_AT <= interrupted["sent"] + interrupted["claimed"]
    assert interrupted["pending"] > 0

    smtp_server.on_message = None
    # A stall timeout of 0: the restarted worker resumes at once instead of in 5 min.
    second = _worker(port, KIOSCO_NEWSLETTER_STALL_SECONDS="0")
    try:
        smtp_server.wait_for(to="@example.org", count=RECIPIENTS, timeout=180)
        finished = _wait_for_the_issue_to_finish(issue)
    finally:
        second.terminate()
        second.wait(timeout=30)
    counts = Counter(str(m["To"]) for m in smtp_server.messages)
    assert len(counts) == RECIPIENTS
    assert set(counts.values()) == {1}, [a for a, n in counts.items() if n > 1][:5]
    assert finished["sent"] + finished["claimed"] == RECIPIENTS
    assert finished["pending"] == 0


def smtp_server_port(inbox: object) -> int:
    from django.conf import settings

    return int(settings.EMAIL_PORT)


def _wait_for_the_issue_to_finish(issue: Issue) -> dict[str, int]:
    # The last message arrived; the worker marks it sent and closes the issue next.
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        counts = issues.progress(issue)
        if not Delivery.objects.filter(issue=issue, status="pending").exists() and (
            Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
        ):
            return counts
        time.sleep(0.1)
    raise AssertionError(f"the issue did not finish: {issues.progress(issue)}")
