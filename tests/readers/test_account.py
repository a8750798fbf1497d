"""The account page: language, data export, deletion; and the debug outbox."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from kiosco import settings as project_settings
from kiosco.readers.events import EventTag
from kiosco.readers.models import Device, Reader, SecurityEvent
from tests.readers.conftest import reauthenticate, sign_in
from tests.support.leases import SEAT, holders, read_on

pytestmark = pytest.mark.django_db


def test_it_hashes_passwords_with_argon2_and_caps_their_length():
    # The project's settings module, not the fast hasher these tests swap in.
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    names = [v["NAME"] for v in project_settings.AUTH_PASSWORD_VALIDATORS]
    assert "django.contrib.auth.password_validation.CommonPasswordValidator" in names
    assert "kiosco.readers.validators.MaximumLengthValidator" in names


def test_it_sends_anonymous_readers_to_the_login_page():
    response = Client().get("/account/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_saves_the_language_for_emails(alice):
    client = sign_in("alice@example.com")
    assert client.post("/account/", {"language": "es"}).status_code == 302
    assert Reader.objects.get(pk=alice.pk).language == "es"
    assert client.post("/account/", {"language": "klingon"}).status_code == 200


def test_it_shows_the_account_page_in_spanish(alice):
    client = sign_in("alice@example.com", HTTP_ACCEPT_LANGUAGE="es")
    assert b"Su cuenta" in client.get("/account/").content


def test_it_exports_everything_held_on_the_reader_after_reauthentication(alice, commit):
    with commit():
        client = sign_in("alice@example.com")
    assert "/reauthenticate/" in client.post("/account/export/")["Location"]
    reauthenticate(client)
    response = client.post("/account/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["profile"]["email"] == "alice@example.com"
    assert data["emails"] == [{"email": "alice@example.com", "verified": True, "primary": True}]
    assert len(data["devices"]) == 1 and len(data["sessions"]) == 1
    assert EventTag.LOGIN_SUCCEEDED in [e["tag"] for e in data["security_events"]]
    assert "password" not in response.content.decode()


def test_it_deletes_the_account_and_everything_in_it(alice, commit):
    client, phone = sign_in("alice@example.com"), sign_in("alice@example.com")
    read_on(SEAT, alice, phone.cookies["kiosco_device"].value)
    reauthenticate(client)
    assert client.post("/account/delete/", {}).status_code == 200  # the box is required
    assert Reader.objects.filter(pk=alice.pk).exists()
    with commit():
        response = client.post("/account/delete/", {"confirm": "on"})
    assert response.status_code == 200 and b"Account deleted" in response.content
    assert not Reader.objects.filter(pk=alice.pk).exists()
    assert not EmailAddress.objects.filter(email="alice@example.com").exists()
    assert not Device.objects.exists()
    assert holders(SEAT) == []  # the phone's lease slot is free
    assert SecurityEvent.objects.filter(tag=EventTag.ACCOUNT_DELETED, reader=None).exists()
    assert phone.get("/account/").status_code == 302
    assert client.get("/account/").status_code == 302


def test_it_lists_sent_mail_in_the_outbox_only_in_debug(settings, tmp_path):
    settings.EMAIL_BACKEND = "kiosco.lib.email.OutboxBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    mail.send_mail(
        "Confirm please", "Open http://testserver/accounts/x/ now", None, ["a@example.com"]
    )
    assert len(list(tmp_path.glob("*.eml"))) == 1
    settings.DEBUG = False
    assert Client().get("/account/outbox/").status_code == 404
    settings.DEBUG = True
    listing = Client().get("/account/outbox/")
    assert b"Confirm please" in listing.content
    name = next(tmp_path.glob("*.eml")).stem
    message = Client().get(f"/account/outbox/{name}/")
    assert b'<a href="http://testserver/accounts/x/"' in message.content
    assert Client().get("/account/outbox/nothing-here/").status_code == 404


def test_it_lists_devices_and_events_read_only_in_the_admin(admin_client, alice):
    sign_in("alice@example.com")
    assert admin_client.get("/admin/readers/device/").status_code == 200
    assert admin_client.get("/admin/readers/securityevent/").status_code == 200
    assert admin_client.get("/admin/readers/securityevent/add/").status_code == 403


def export_newsletter(reader):
    return {"newsletter": {"subscribed": True, "email": reader.email}}


def test_it_adds_the_sections_other_apps_export(alice, settings):
    settings.KIOSCO_READER_EXPORTERS = ["tests.readers.test_account.export_newsletter"]
    client = sign_in("alice@example.com")
    reauthenticate(client)
    data = json.loads(client.post("/account/export/").content)
    assert data["newsletter"] == {"subscribed": True, "email": "alice@example.com"}
    assert data["profile"]["email"] == "alice@example.com"
