"""Newsletter sending: messages/s of a 10,000-recipient issue through Kiosco's pipeline
(delivery rows frozen, each claimed before sending and marked after, the message made
personal per recipient, one SMTP connection per batch) next to a bare smtplib loop
sending the same messages over one connection, in alternating rounds of one run.

Both talk to the same local SMTP sink (aiosmtpd in its own process, answering 250).
The database is a fresh SQLite file (the embedded shape). No DKIM key: signing is
measured apart, on a sample, because dkimpy's RSA is pure Python.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "10000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
DKIM_SAMPLE = 200


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sink(port: int) -> None:
    """The SMTP server: accepts and drops every message."""
    from aiosmtpd.controller import Controller

    class Drop:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            return "250 OK"

    controller = Controller(Drop(), hostname="127.0.0.1", port=port)
    controller.start()
    sys.stdin.read()  # until the bench closes our stdin
    controller.stop()


def start_sink(port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--sink", str(port)], stdin=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the SMTP sink did not start")


def set_up_django(var_dir: Path, port: int) -> None:
    os.environ.update(
        KIOSCO_VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'bench.sqlite3'}",
        KIOSCO_SECRET_KEY="bench-only-secret-" + "b" * 40,
        KIOSCO_DEBUG="0",
        KIOSCO_EMAIL_URL=f"smtp://127.0.0.1:{port}",
        KIOSCO_NEWSLETTER_SEND_RATE="0",
        KIOSCO_FROM_EMAIL="The Courier <news@courier.example>",
        DJANGO_SETTINGS_MODULE="kiosco.settings",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def make_list() -> None:
    from kiosco.newsletter.models import Subscriber

    Subscriber.objects.bulk_create(
        (
            Subscriber(email=f"reader{n}@example.org", language="en", status="confirmed")
            for n in range(RECIPIENTS)
        ),
        batch_size=2000,
    )


def bare_smtplib(port: int, issue_id: int) -> float:
    """The same messages (built beforehand, outside the clock) through one smtplib
    connection: what the SMTP server and the socket cost, nothing else."""
    import smtplib

    from kiosco.newsletter.mail import build_issue_template
    from kiosco.newsletter.models import Issue, Subscriber

    template = build_issue_template(Issue.objects.get(pk=issue_id))
    messages = [
        (s.email, template.for_recipient(s, n))
        for n, s in enumerate(Subscriber.objects.order_by("id"))
    ]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address, raw in messages:
            smtp.sendmail("news@courier.example", [address], raw)
    return len(messages) / (time.perf_counter() - started)


def kiosco_pipeline() -> tuple[float, int]:
    from kiosco.newsletter import issues

    issue = issues.compose_issue("en")
    started = time.perf_counter()
    issues.start_sending(issue)
    issues.send_all(issue.pk)
    elapsed = time.perf_counter() - started
    sent = issues.progress(issue)["sent"]
    return sent / elapsed, sent


def dkim_cost(issue_id: int, key_file: Path) -> float:
    """Milliseconds dkimpy takes to sign one issue message (2048-bit RSA)."""
    from django.conf import settings

    from kiosco.newsletter.mail import build_issue_template
    from kiosco.newsletter.models import Issue, Subscriber

    subprocess.run(
        ["openssl", "genrsa", "-out", str(key_file), "2048"], check=True, capture_output=True
    )
    template = build_issue_template(Issue.objects.get(pk=issue_id))
    subscribers = list(Subscriber.objects.order_by("id")[:DKIM_SAMPLE])
    settings.KIOSCO_NEWSLETTER_DKIM_KEY_FILE = str(key_file)
    try:
        started = time.perf_counter()
        for n, subscriber in enumerate(subscribers):
            template.for_recipient(subscriber, n)
        return (time.perf_counter() - started) * 1000 / len(subscribers)
    finally:
        settings.KIOSCO_NEWSLETTER_DKIM_KEY_FILE = ""


def main() -> int:
    var_dir = ROOT / "var" / "bench-newsletter"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    port = free_port()
    server = start_sink(port)
    try:
        set_up_django(var_dir, port)
        make_list()
        from kiosco.newsletter import issues

        sample = issues.compose_issue("en")
        bare, pipeline = [], []
        for _ in range(ROUNDS):
            bare.append(bare_smtplib(port, sample.pk))
            rate, sent = kiosco_pipeline()
            if sent != RECIPIENTS:
                raise SystemExit(f"the pipeline sent {sent} of {RECIPIENTS}")
            pipeline.append(rate)
        signing_ms = dkim_cost(sample.pk, var_dir / "dkim.pem")
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=20)
    bare_rate, kiosco_rate = statistics.median(bare), statistics.median(pipeline)
    print(
        f"{RECIPIENTS} recipients to a local aiosmtpd sink, SQLite, "
        f"{ROUNDS} alternating rounds, medians"
    )
    print(f"  bare smtplib loop, same messages     {bare_rate:8.0f} msg/s   1.00")
    print(
        f"  kiosco send (claim, send, mark)      {kiosco_rate:8.0f} msg/s   "
        f"{kiosco_rate / bare_rate:.2f} of bare"
    )
    print(f"  DKIM signing (dkimpy, RSA 2048)      {signing_ms:8.2f} ms/msg (not in the above)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sink"]:
        sink(int(sys.argv[2]))
        sys.exit(0)
    sys.exit(main())
