"""The sharing notice on real pages: two devices of alice's seat keep taking the
reading from each other until the banner shows on both; a new password clears it."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.test import Client, override_settings

from kiosco.leases.models import Event, Slot
from kiosco.readers.models import SecurityEvent
from tests.paywall.conftest import PASSWORD
from tests.support.content import SECRET

NOTICE = 'id="sharing-notice"'
# Events are written after commit (kiosco.readers.events.record): commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def continue_here(browser: Client, url: str) -> None:
    response = browser.post("/paywall/continue/", {"next": url})
    assert response.status_code == 302


@pytest.fixture
def argued(people, article, device):
    """Laptop and phone take the reading from each other three times, each while the
    other had just been read (a page view is input)."""
    laptop, phone = device(people.alice), device(people.alice)
    url = article.get_absolute_url()
    laptop.get(url)
    for browser in (phone, laptop, phone):
        browser.get(url)
        continue_here(browser, url)
    return laptop, phone


# The three takeovers land within seconds: with merging on they are one argument.
@override_settings(KIOSCO_SHARING_MERGE_MINUTES=0)
def test_it_shows_the_notice_on_every_page_of_both_devices(argued):
    laptop, phone = argued
    for browser in (laptop, phone):
        html = browser.get("/").content.decode()
        assert NOTICE in html
        assert "Why am I seeing this?" in html
        assert html.count("was in use.</li>") == 3
        assert 'href="/accounts/password/change/"' in html
    spanish = phone.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "¿Por qué veo este aviso?" in spanish
    assert "Parece que esta suscripción se está compartiendo" in spanish
    event = SecurityEvent.objects.get(tag="insights:notice:shown")
    assert event.data["reasons"] == ["on:3_contested_collisions_within_7_days"]
    assert len(event.data["collisions"]) == 3


@override_settings(KIOSCO_SHARING_MERGE_MINUTES=0)
def test_it_never_blocks_reading(argued, article):
    _, phone = argued  # the phone continued last: it holds the reading
    html = phone.get(article.get_absolute_url()).content.decode()
    assert NOTICE in html
    assert SECRET in html
    assert "lease-dialog" not in html


@override_settings(KIOSCO_SHARING_MERGE_MINUTES=0)
def test_a_new_password_clears_the_notice(argued):
    laptop, _ = argued
    assert NOTICE in laptop.get("/").content.decode()
    new = "another long harbour password 43"
    response = laptop.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    assert NOTICE not in laptop.get("/").content.decode()
    assert SecurityEvent.objects.filter(tag="insights:notice:cleared").exists()


def test_a_reader_without_collisions_sees_no_notice(people, article, device):
    laptop = device(people.alice)
    assert NOTICE not in laptop.get(article.get_absolute_url()).content.decode()


@override_settings(KIOSCO_SHARING_MERGE_MINUTES=0)
def test_the_displaced_devices_own_report_makes_a_takeover_contested(people, article, device):
    """The store last saved each holder's input a minute back (it lags: the page
    reports once a minute and a renewal is written only when due); told live, each
    displaced device says it was touched two seconds ago: three collisions."""
    laptop, phone = device(people.alice), device(people.alice)
    url = article.get_absolute_url()
    laptop.get(url)
    for taker, displaced in ((phone, laptop), (laptop, phone), (phone, laptop)):
        Slot.objects.filter(device__isnull=False).update(input_at=F("input_at") - 60)
        taker.get(url)
        continue_here(taker, url)
        assert NOTICE not in taker.get("/").content.decode()  # the state is cached
        beat = displaced.post("/paywall/heartbeat/", {"idle": "2", "path": url})
        assert beat.json()["state"] == "displaced"
    for browser in (laptop, phone):
        assert NOTICE in browser.get("/").content.decode()
    stored = Event.objects.filter(kind="taken_over").values_list("idle_of_displaced", flat=True)
    assert all(idle is not None and idle >= 50 for idle in stored)
