"""Events commit with the action that caused them; emails leave only once it commits."""

from __future__ import annotations

import pytest
from allauth.account.adapter import get_adapter
from django.core import mail
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from kiosco.readers import services
from kiosco.readers.events import EventTag
from kiosco.readers.models import Device, SecurityEvent

pytestmark = pytest.mark.django_db
PHONE = "ab" * 16


class LaterStepFailed(Exception):
    pass


@pytest.fixture
def phone(alice) -> Device:
    return Device.objects.create(
        reader=alice, device_id=PHONE, label="Phone", last_seen=timezone.now()
    )


def _sign_out_phone_and_mail_notice(alice) -> None:
    """One action that records events and sends an email, as a password change does."""
    services.sign_out_device(RequestFactory().post("/"), alice, PHONE)
    get_adapter().send_mail("account/email/password_changed", alice.email, {"user": alice})


def test_it_records_no_event_and_sends_no_email_when_the_action_rolls_back(alice, phone, commit):
    with commit() as callbacks, pytest.raises(LaterStepFailed), transaction.atomic():
        _sign_out_phone_and_mail_notice(alice)
        raise LaterStepFailed
    assert callbacks == []
    assert not SecurityEvent.objects.exists()
    assert mail.outbox == []
    assert Device.objects.filter(reader=alice, device_id=PHONE).exists()


def test_it_records_the_event_with_the_action_and_sends_the_email_once_it_commits(
    alice, phone, commit
):
    with commit():
        with transaction.atomic():
            _sign_out_phone_and_mail_notice(alice)
        # The event is part of the action's transaction (a crash after the commit
        # cannot lose it); the email waits for the commit.
        tags = SecurityEvent.objects.filter(reader=alice).values_list("tag", flat=True)
        assert list(tags) == [EventTag.DEVICE_SIGNED_OUT]
        assert mail.outbox == []
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
