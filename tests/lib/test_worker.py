from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from kiosco.lib.management.commands.worker import run_job
from kiosco.subscriptions.models import Subscription
from tests.support.personas import personas


def boom() -> None:
    raise RuntimeError("this job is broken")


def test_a_broken_job_is_reported_and_does_not_stop_the_worker(db):
    assert run_job("tests.lib.test_worker.boom") == "failed"


@pytest.mark.django_db
def test_the_worker_expires_a_canceled_subscription_whose_period_ended(capsys):
    alice = personas().alice
    subscription = Subscription.objects.get(owner_reader=alice)
    Subscription.objects.filter(pk=subscription.pk).update(
        status=Subscription.Status.CANCELED,
        current_period_end=timezone.now() - timedelta(minutes=1),
    )
    call_command("worker", "--once")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.EXPIRED
    assert "roll_over_periods: 1" in capsys.readouterr().out
