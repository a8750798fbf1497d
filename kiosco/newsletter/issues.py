"""The weekly issue: composition, delivery rows, sending in batches, resuming.

Race model (what makes a send exactly-once per recipient):

- ``start_sending`` inserts one ``Delivery`` per confirmed, unsuppressed subscriber;
  the unique (issue, subscriber) pair makes a second start add nothing.
- Before a message leaves, its row flips ``pending → claimed`` in one compare-and-set
  statement, committed. Two workers racing for a row: one UPDATE matches, the other
  matches no row and moves on. A restarted worker only ever takes ``pending`` rows.
- After the SMTP server accepts it the row becomes ``sent``; a server refusal makes it
  ``failed``. A crash between the claim and the server's answer leaves the row
  ``claimed``: it is never sent again (at most once beats twice), and the admin counts
  it as "interrupted".
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kiosco.newsletter import app_settings
from kiosco.newsletter.mail import (
    FinishedMessage,
    IssueTemplate,
    build_issue_template,
    render_issue,
)
from kiosco.newsletter.models import Delivery, Issue, Subscriber, Suppression
from kiosco.newsletter.services import email_digest
from kiosco.newsroom.seo import public_url
from kiosco.newsroom.services import published_between

logger = logging.getLogger(__name__)
WEEK = timedelta(days=7)
Progress = Callable[[int], None]


def compose_issue(language: str, end: datetime | None = None, intro: str = "") -> Issue:
    """A draft issue listing the week before ``end`` (now): headline, standfirst and
    link of each published article of that language — never a body."""
    end = end or timezone.now()
    start = end - WEEK
    items = [
        {
            "headline": article.headline,
            "standfirst": article.standfirst,
            "url": public_url(article.get_absolute_url()),
        }
        for article in published_between(language, start, end)
    ]
    with translation.override(language):
        day = date_format(timezone.localtime(end), "DATE_FORMAT")
        subject = _("The week to %(date)s") % {"date": day}
    return Issue.objects.create(
        language=language,
        subject=subject,
        intro=intro,
        items=items,
        period_start=start,
        period_end=end,
    )


def recompose(issue: Issue) -> Issue:
    """Refresh a draft's article list (articles published or edited since)."""
    fresh = compose_issue(issue.language, issue.period_end)
    issue.items = fresh.items
    issue.save(update_fields=["items"])
    fresh.delete()
    return issue


def send_test(issue: Issue, address: str) -> None:
    """The issue as a subscriber would get it, to one address (links are inert)."""
    text, html = render_issue(issue, "test")
    message = EmailMultiAlternatives(
        f"[TEST] {issue.subject}", text, app_settings.from_email(), [address]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def start_sending(issue: Issue) -> int:
    """Freeze the recipients of ``issue`` and queue its first batch. Returns how many
    deliveries were added (0 when it had started already: calling twice is safe)."""
    from kiosco.newsletter.tasks import send_issue_batch

    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        recipients = Subscriber.objects.filter(
            language=issue.language, status=Subscriber.Status.CONFIRMED
        ).values_list("pk", flat=True)
        rows = [Delivery(issue=issue, subscriber_id=pk) for pk in recipients.iterator()]
        before = issue.deliveries.count()
        Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        added = issue.deliveries.count() - before
        if issue.status == Issue.Status.DRAFT:
            issue.status = Issue.Status.SENDING
            issue.started_at = issue.progress_at = timezone.now()
            issue.save(update_fields=["status", "started_at", "progress_at"])
        transaction.on_commit(lambda: send_issue_batch.enqueue(issue.pk))
    return added


def progress(issue: Issue) -> dict[str, int]:
    """Deliveries of ``issue`` by status, plus ``total``."""
    counts = dict(
        issue.deliveries.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    result = {status: counts.get(status, 0) for status in Delivery.Status.values}
    result["total"] = sum(result.values())
    return result


class _Rows:
    """The two writes of every message, as plain SQL prepared once per batch.

    Why not the ORM here: building an UPDATE through the queryset machinery cost more
    than the SMTP exchange itself (measured in bench/bench_newsletter.py); these
    statements are the same compare-and-set the ORM would issue, minus the compiling.
    """

    def __init__(self) -> None:
        delivery, subscriber = Delivery._meta.db_table, Subscriber._meta.db_table
        # Take one row for sending, only while its subscriber is still on the list (an
        # unsubscribe counts from the next message). Compare-and-set: of two workers
        # taking this row, one UPDATE matches; the other sees 0 and skips the
        # recipient, who is already being sent to.
        self.claim_sql = (
            f"UPDATE {delivery} SET status = %s, claimed_at = %s WHERE id = %s "
            f"AND status = %s AND EXISTS (SELECT 1 FROM {subscriber} "
            f"WHERE {subscriber}.id = {delivery}.subscriber_id AND {subscriber}.status = %s)"
        )
        self.finish_sql = (
            f"UPDATE {delivery} SET status = %s, sent_at = %s, error = %s WHERE id = %s"
        )
        self.skip_sql = f"UPDATE {delivery} SET status = %s WHERE id = %s AND status = %s"

    def _now(self) -> Any:
        return connection.ops.adapt_datetimefield_value(timezone.now())

    def claim(self, delivery_id: int) -> bool:
        params = [Delivery.Status.CLAIMED, self._now(), delivery_id, Delivery.Status.PENDING]
        with connection.cursor() as cursor:
            cursor.execute(self.claim_sql, [*params, Subscriber.Status.CONFIRMED])
            return cursor.rowcount == 1

    def finish(self, delivery_id: int, status: str, error: str = "") -> None:
        sent_at = self._now() if status == Delivery.Status.SENT else None
        with connection.cursor() as cursor:
            cursor.execute(self.finish_sql, [status, sent_at, error[:300], delivery_id])

    def skip(self, delivery_id: int) -> None:
        with connection.cursor() as cursor:
            params: list[Any] = [Delivery.Status.SKIPPED, delivery_id, Delivery.Status.PENDING]
            cursor.execute(self.skip_sql, params)


class _Sender:
    """Django's configured mail backend, one connection per batch. On SMTP it hands
    the finished bytes straight to the backend's smtplib connection (the backend
    would re-parse both addresses of every message); other backends (the file
    outbox, tests) get a :class:`FinishedMessage`."""

    def __init__(self, from_email: str) -> None:
        self.backend = get_connection(fail_silently=False)
        self.from_email = from_email
        self.envelope_from = parseaddr(from_email)[1]

    def __enter__(self) -> _Sender:
        self.backend.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.backend.close()

    def send(self, address: str, raw: bytes) -> None:
        smtp = getattr(self.backend, "connection", None)
        if isinstance(smtp, smtplib.SMTP):
            smtp.sendmail(self.envelope_from, [address], raw)
        else:
            self.backend.send_messages([FinishedMessage(raw, self.from_email, [address])])


class _Pacer:
    """At most ``rate`` messages a second (0: no limit), without drifting."""

    def __init__(self, rate: int) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next_at = time.monotonic()

    def wait(self) -> None:
        if not self.interval:
            return
        delay = self.next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.next_at = max(self.next_at, time.monotonic()) + self.interval


def send_batch(issue_id: int, limit: int | None = None, on_sent: Progress | None = None) -> int:
    """Send to up to ``limit`` (the batch size) pending recipients of the issue over
    one SMTP connection. Returns how many rows it settled; 0 means none was left."""
    issue = Issue.objects.get(pk=issue_id)
    pending = list(
        issue.deliveries.filter(status=Delivery.Status.PENDING)
        .select_related("subscriber")
        .order_by("id")[: limit or app_settings.batch_size()]
    )
    if not pending:
        _finish_issue(issue)
        return 0
    template = build_issue_template(issue)
    suppressed = _suppressed_digests([d.subscriber.email for d in pending])
    pacer, rows = _Pacer(app_settings.send_rate()), _Rows()
    with _Sender(template.from_email) as sender:
        for delivery in pending:
            if _deliver(delivery, template, suppressed, (rows, sender, pacer)) and on_sent:
                on_sent(1)
    Issue.objects.filter(pk=issue_id).update(progress_at=timezone.now())
    return len(pending)


def _deliver(
    delivery: Delivery,
    template: IssueTemplate,
    suppressed: set[str],
    tools: tuple[_Rows, _Sender, _Pacer],
) -> bool:
    """One recipient: skip if suppressed or gone, else claim, send, record."""
    rows, sender, pacer = tools
    subscriber = delivery.subscriber
    if email_digest(subscriber.email) in suppressed or not rows.claim(delivery.pk):
        rows.skip(delivery.pk)  # no-op when another worker holds the row
        return False
    pacer.wait()
    raw = template.for_recipient(subscriber, delivery.pk)
    try:
        sender.send(subscriber.email, raw)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as e:
        rows.finish(delivery.pk, Delivery.Status.FAILED, repr(e))  # refused: not sent
        return False
    rows.finish(delivery.pk, Delivery.Status.SENT)
    return True


def _suppressed_digests(emails: list[str]) -> set[str]:
    digests = [email_digest(email) for email in emails]
    found = Suppression.objects.filter(email_digest__in=digests)
    return set(found.values_list("email_digest", flat=True))


def _finish_issue(issue: Issue) -> None:
    if issue.status == Issue.Status.SENDING:
        Issue.objects.filter(pk=issue.pk, status=Issue.Status.SENDING).update(
            status=Issue.Status.SENT, finished_at=timezone.now()
        )


def send_all(issue_id: int, on_sent: Progress | None = None) -> int:
    """Send every pending recipient in batches, in this process (the command line)."""
    total = 0
    while settled := send_batch(issue_id, on_sent=on_sent):
        total += settled
    return total


def resume_stalled_sends() -> int:
    """A periodic job: queue a batch for each issue still sending whose progress
    stopped (its worker died). Queuing one too many is harmless: rows are claimed."""
    from kiosco.newsletter.tasks import send_issue_batch

    stalled_before = timezone.now() - app_settings.stall_timeout()
    stalled = Issue.objects.filter(status=Issue.Status.SENDING, progress_at__lte=stalled_before)
    resumed = 0
    for issue_id in stalled.values_list("pk", flat=True):
        Issue.objects.filter(pk=issue_id).update(progress_at=timezone.now())
        send_issue_batch.enqueue(issue_id)
        resumed += 1
    return resumed
