"""An address that left the list stays out until it opts in again: no page, link or
copy read before it left can bring it back (the status moves by compare-and-set)."""

from __future__ import annotations

import pytest
from django.test import Client

from kiosco.newsletter import services
from kiosco.newsletter.mail import subscriber_token
from kiosco.newsletter.models import Subscriber
from kiosco.readers.models import SecurityEvent
from tests.newsletter.conftest import confirmed

pytestmark = pytest.mark.django_db


def test_an_old_issues_preferences_link_cannot_bring_back_an_address_that_left() -> None:
    """A forwarded issue's preferences link: "pause" then "resume" after the owner
    unsubscribed used to confirm the address again, with no new opt-in."""
    ann = confirmed("ann@example.org")
    token = subscriber_token(ann)
    browser = Client()
    assert browser.post(f"/newsletter/unsubscribe/{token}/").status_code == 200

    for action in ("pause", "resume"):
        response = browser.post(f"/newsletter/preferences/{token}/", {"action": action})
        assert response.status_code == 200

    ann.refresh_from_db()
    assert ann.status == Subscriber.Status.UNSUBSCRIBED
    assert not SecurityEvent.objects.filter(tag="newsletter:subscriber:confirmed").exists()


def test_a_page_read_before_a_complaint_cannot_resume_the_address() -> None:
    """The reader's page showed "paused"; a spam complaint unsubscribed the address;
    then the "resume" from that page arrives, carrying the copy it read."""
    ann = confirmed("ann@example.org")
    services.pause(ann)
    seen_by_the_page = Subscriber.objects.get(pk=ann.pk)
    services.unsubscribe(Subscriber.objects.get(pk=ann.pk))  # the complaint, meanwhile

    after = services.resume(seen_by_the_page)

    assert after.status == Subscriber.Status.UNSUBSCRIBED
    assert Subscriber.objects.get(pk=ann.pk).status == Subscriber.Status.UNSUBSCRIBED


def test_leaving_twice_records_it_once() -> None:
    ann = confirmed("ann@example.org")
    services.unsubscribe(Subscriber.objects.get(pk=ann.pk))
    services.unsubscribe(Subscriber.objects.get(pk=ann.pk))
    left = SecurityEvent.objects.filter(tag="newsletter:subscriber:unsubscribed")
    assert left.count() == 1
