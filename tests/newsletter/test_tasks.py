"""Sending runs as django-tasks tasks on the database backend, and the one `kiosco
worker` of the embedded shape runs them beside its periodic jobs (no broker)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from kiosco.newsletter import issues
from kiosco.newsletter.models import Issue
from tests.newsletter.conftest import confirmed


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_queued_batches_until_the_issue_is_sent(week, smtp_server, settings):
    settings.KIOSCO_NEWSLETTER_BATCH_SIZE = 2
    for n in range(5):
        confirmed(f"reader{n}@example.org")
    issue = issues.compose_issue("en")
    issues.start_sending(issue)
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    call_command("worker", "--once")
    for n in range(5):
        smtp_server.wait_for(to=f"reader{n}@example.org")
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    # Three batches of two, and the fourth found nobody left and closed the issue.
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_stalled_send_is_queued_again_by_the_periodic_job(week, settings):
    settings.KIOSCO_NEWSLETTER_STALL_SECONDS = 0
    confirmed("ann@example.org")
    issue = issues.compose_issue("en")
    issues.start_sending(issue)
    DBTaskResult.objects.all().delete()  # its worker died with the task
    assert issues.resume_stalled_sends() == 1
    assert DBTaskResult.objects.filter(status="READY").count() == 1
