"""Device cookies, the devices page, and sessions ended by a password change."""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from kiosco.readers import services
from kiosco.readers.events import EventTag
from kiosco.readers.models import Device, SecurityEvent
from tests.readers.conftest import PASSWORD, UA_FIREFOX_ANDROID, reauthenticate, sign_in
from tests.support.leases import SEAT, holders, read_on

pytestmark = pytest.mark.django_db


def _is_signed_in(client: Client) -> bool:
    return client.get("/account/").status_code == 200


def test_it_gives_every_browser_a_random_httponly_lax_device_cookie():
    first, second = Client(), Client()
    cookie = first.get("/accounts/login/").cookies["kiosco_device"]
    other = second.get("/accounts/login/").cookies["kiosco_device"]
    assert len(cookie.value) == 32 and int(cookie.value, 16) >= 0
    assert cookie.value != other.value
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    assert cookie["max-age"] >= 365 * 24 * 3600


def test_it_marks_the_device_cookie_secure_over_https():
    cookie = Client().get("/accounts/login/", secure=True).cookies["kiosco_device"]
    assert cookie["secure"]


def test_it_replaces_a_forged_device_cookie():
    client = Client()
    client.cookies["kiosco_device"] = "not-a-device-id<script>"
    cookie = client.get("/accounts/login/").cookies["kiosco_device"]
    assert services.is_device_id(cookie.value)


def test_it_labels_the_device_from_its_user_agent(alice):
    client = sign_in("alice@example.com", HTTP_USER_AGENT=UA_FIREFOX_ANDROID)
    device = Device.objects.get(reader=alice)
    assert device.label == "Firefox on Android"
    page = client.get("/account/devices/")
    assert b"Firefox on Android" in page.content and b"this device" in page.content


def test_it_writes_last_seen_at_most_once_per_interval(alice):
    client = sign_in("alice@example.com")
    device = Device.objects.get(reader=alice)
    for _ in range(3):
        client.get("/account/")
    assert Device.objects.get(pk=device.pk).last_seen == device.last_seen


def test_it_moves_last_seen_once_the_interval_has_passed(alice, settings):
    client = sign_in("alice@example.com")
    device = Device.objects.get(reader=alice)
    settings.KIOSCO_DEVICE_TOUCH_INTERVAL = 0
    client.get("/account/")
    assert Device.objects.get(pk=device.pk).last_seen > device.last_seen


def test_it_ends_every_other_session_on_a_password_change_and_keeps_this_one(alice, commit):
    devices = [sign_in("alice@example.com") for _ in range(5)]
    assert Device.objects.filter(reader=alice).count() == 5
    current, others = devices[0], devices[1:]
    new = "another long passphrase"
    with commit():
        response = current.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
    assert response.status_code == 302
    assert [_is_signed_in(c) for c in others] == [False] * 4
    assert _is_signed_in(current)
    assert UserSession.objects.filter(user=alice).count() == 1
    assert Device.objects.filter(reader=alice).count() == 1
    tags = list(SecurityEvent.objects.filter(reader=alice).values_list("tag", flat=True))
    assert tags.count(EventTag.SESSION_ENDED) >= 4 and EventTag.PASSWORD_CHANGED in tags


def test_it_signs_one_device_out_after_reauthentication(alice):
    laptop, phone = sign_in("alice@example.com"), sign_in("alice@example.com")
    phone_id = phone.cookies["kiosco_device"].value
    read_on(SEAT, alice, phone_id)
    url = f"/account/devices/{phone_id}/sign-out/"
    assert "/reauthenticate/" in laptop.post(url)["Location"]
    assert _is_signed_in(phone)
    reauthenticate(laptop)
    assert laptop.post(url).status_code == 302
    assert not _is_signed_in(phone)
    assert _is_signed_in(laptop)
    assert holders(SEAT) == []  # the phone's lease slot is free


def test_it_refuses_to_sign_a_device_out_without_a_csrf_token(alice):
    laptop = sign_in("alice@example.com")
    laptop.handler.enforce_csrf_checks = True
    response = laptop.post("/account/devices/sign-out-others/")
    assert response.status_code == 403
    assert b"This form has expired" in response.content


def test_allauths_bare_sessions_page_cannot_sign_devices_out_without_reauthentication(alice):
    laptop, phone = sign_in("alice@example.com"), sign_in("alice@example.com")
    assert laptop.get("/accounts/sessions/")["Location"] == "/account/devices/"
    laptop.post("/accounts/sessions/")
    assert _is_signed_in(phone) and _is_signed_in(laptop)
    assert not SecurityEvent.objects.filter(tag=EventTag.SESSION_ENDED, reader=alice).exists()


def _without_device_cookie(client: Client) -> Client:
    """A script that keeps its session cookie but never sends the device cookie back."""
    client.cookies.pop("kiosco_device", None)
    return client


def test_it_creates_no_device_for_a_client_that_never_echoes_the_cookie(alice):
    script = Client()
    response = script.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302
    for _ in range(5):
        assert _without_device_cookie(script).get("/account/").status_code == 200
    assert not Device.objects.filter(reader=alice).exists()
    assert not UserSession.objects.filter(user=alice, data__has_key="device").exists()


def test_it_links_a_browser_that_signed_in_on_its_first_request_on_the_next_one(alice):
    browser = Client()  # no page before the log-in: the cookie arrives with its answer
    browser.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    assert not Device.objects.filter(reader=alice).exists()
    for _ in range(3):
        browser.get("/account/")
    [device] = Device.objects.filter(reader=alice)
    assert device.device_id == browser.cookies["kiosco_device"].value
    [session] = UserSession.objects.filter(user=alice)
    assert session.data["device"] == device.device_id


def test_it_keeps_exactly_one_device_for_a_browser_that_keeps_its_cookies(alice):
    browser = sign_in("alice@example.com")
    for _ in range(5):
        browser.get("/account/")
    assert Device.objects.filter(reader=alice).count() == 1
