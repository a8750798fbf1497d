"""Each notifier transport for real: in-process, Redis pub/sub, PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

import os
import uuid

import pytest
from django.db import connection, transaction

from kiosco.leases.engine import Notice
from kiosco.leases.notifiers import Notifier
from kiosco.leases.notifiers.memory import InProcessNotifier
from kiosco.leases.notifiers.postgres import PostgresNotifier
from kiosco.leases.notifiers.redis_pubsub import RedisNotifier

NOTICE = Notice(seat=7, slot=0, generation=3, device="phone", by="laptop", reason="taken_over")


def postgres_url() -> str:
    url = os.environ.get("KIOSCO_TEST_POSTGRES_URL")
    if not url:
        pytest.fail("KIOSCO_TEST_POSTGRES_URL is not set: run the suite with tests/run_suite.py.")
    return url


def channel() -> str:
    return f"kiosco_test_{uuid.uuid4().hex[:12]}"  # runs in parallel must not hear each other


def assert_delivers(notifier: Notifier) -> None:
    subscription = notifier.subscribe()
    try:
        assert subscription.get(timeout=0.05) is None
        notifier.publish(NOTICE)
        assert subscription.get(timeout=5) == NOTICE
    finally:
        subscription.close()


def test_it_delivers_in_process() -> None:
    assert_delivers(InProcessNotifier())


def test_it_delivers_through_redis(redis_url: str) -> None:
    assert_delivers(RedisNotifier(redis_url, channel=channel()))


def test_it_delivers_through_postgres_listen_notify() -> None:
    notifier = PostgresNotifier(postgres_url(), channel=channel())
    assert_delivers(notifier)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_notifies_on_the_lease_database_only_when_the_transaction_commits() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (NOTIFY on the lease database itself)")
    notifier = PostgresNotifier(channel=channel())
    subscription = notifier.subscribe()
    try:
        with transaction.atomic():
            notifier.publish(NOTICE)
            assert subscription.get(timeout=0.2) is None
        assert subscription.get(timeout=5) == NOTICE
    finally:
        subscription.close()
