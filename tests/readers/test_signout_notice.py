"""A device signed out by a password change elsewhere is told why, once — instead of
meeting the paywall with no word of explanation."""

from __future__ import annotations

import pytest

from tests.readers.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

NOTICE = "because the password of your account was changed on another device"


def _page(client) -> str:
    return client.get("/").content.decode()


def test_it_tells_a_signed_out_device_why_once(alice, commit):
    laptop, phone = sign_in("alice@example.com"), sign_in("alice@example.com")
    phone.get("/")  # the phone's session now names its device
    new = "another long passphrase"
    with commit():
        laptop.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
    told = _page(phone)
    assert NOTICE in told and told.count(NOTICE) == 1
    assert NOTICE not in _page(phone)  # once
    assert NOTICE not in _page(laptop)  # the device that changed it stays signed in


def test_it_says_nothing_to_a_reader_who_signed_out_themselves(alice):
    phone = sign_in("alice@example.com")
    phone.get("/")
    phone.post("/accounts/logout/")
    assert "signed out on this device" not in _page(phone)


def test_it_tells_a_device_signed_out_from_the_device_list(alice, commit):
    laptop, phone = sign_in("alice@example.com"), sign_in("alice@example.com")
    phone.get("/")
    laptop.post("/accounts/reauthenticate/", {"password": PASSWORD})
    with commit():
        laptop.post("/account/devices/sign-out-others/")
    assert "signed out from the list of your account" in _page(phone)
