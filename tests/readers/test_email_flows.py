"""Verification, reset and notices go through a real SMTP server and their links work."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from kiosco.readers.models import Reader
from tests.readers.conftest import PASSWORD, make_reader, reauthenticate, sign_in
from tests.support.leases import SEAT, holders, read_on
from tests.support.smtp import body, links

pytestmark = pytest.mark.django_db


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_it_verifies_a_new_reader_through_the_emailed_link(smtp_server, commit):
    browser = Client()
    with commit():
        response = browser.post(
            "/accounts/signup/",
            {"email": "dora@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    message = smtp_server.wait_for(to="dora@example.com")
    [link] = [u for u in links(message) if "/confirm-email/" in u]
    assert browser.get(_path(link)).status_code == 200
    assert browser.post(_path(link)).status_code == 302
    assert EmailAddress.objects.get(email="dora@example.com").verified


def test_it_writes_a_spanish_reader_in_spanish(smtp_server, commit):
    make_reader("elena@example.com", language="es")
    with commit():
        Client().post("/accounts/password/reset/", {"email": "elena@example.com"})
    message = smtp_server.wait_for(to="elena@example.com")
    assert "contraseña" in body(message).lower() or "contraseña" in str(message["subject"]).lower()


def test_it_resets_a_password_through_the_emailed_link_and_sends_a_notice(
    smtp_server, alice, commit
):
    browser = Client()
    with commit():
        browser.post("/accounts/password/reset/", {"email": "alice@example.com"})
    message = smtp_server.wait_for(to="alice@example.com")
    [link] = [u for u in links(message) if "/password/reset/key/" in u]
    form_page = browser.get(_path(link), follow=True)
    assert form_page.status_code == 200
    new = "a brand new passphrase"
    with commit():
        done = browser.post(form_page.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert done.status_code == 302
    notice = smtp_server.wait_for(to="alice@example.com", count=2)
    assert "reset" in body(notice).lower()
    alice.refresh_from_db()
    assert alice.check_password(new)


def test_it_tells_the_old_address_when_the_email_changes(smtp_server, alice, commit):
    browser = sign_in("alice@example.com")
    reauthenticate(browser)
    with commit():
        response = browser.post(
            "/accounts/email/", {"action_add": "", "email": "alice.new@example.com"}
        )
    assert response.status_code == 302
    verification = smtp_server.wait_for(to="alice.new@example.com")
    [link] = [u for u in links(verification) if "/confirm-email/" in u]
    with commit():
        assert browser.post(_path(link)).status_code == 302
    notice = smtp_server.wait_for(to="alice@example.com")
    assert "alice.new@example.com" in body(notice)
    assert Reader.objects.get(pk=alice.pk).email == "alice.new@example.com"


def test_it_sends_the_password_change_notice_in_the_readers_language(smtp_server, commit):
    make_reader("elena@example.com", language="es")
    browser = sign_in("elena@example.com")
    new = "otra frase bastante larga"
    with commit():
        browser.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
    notice = smtp_server.wait_for(to="elena@example.com")
    assert "se ha cerrado la sesión en todos los demás dispositivos" in body(notice)


def test_it_releases_every_lease_on_a_reset(smtp_server, alice, commit):
    phone = sign_in("alice@example.com")
    read_on(SEAT, alice, phone.cookies["kiosco_device"].value)
    browser = Client()
    with commit():
        browser.post("/accounts/password/reset/", {"email": "alice@example.com"})
    [link] = [u for u in links(smtp_server.wait_for(to="alice@example.com")) if "/key/" in u]
    form_page = browser.get(_path(link), follow=True)
    new = "a brand new passphrase"
    browser.post(form_page.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert holders(SEAT) == []  # the phone's lease slot is free
    assert phone.get("/account/").status_code == 302


def test_it_names_the_edition_not_a_placeholder_site(smtp_server, settings, commit):
    with commit():
        Client().post(
            "/accounts/signup/",
            {"email": "dora@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    text = body(smtp_server.wait_for(to="dora@example.com"))
    assert "example.com" not in text.replace("dora@example.com", "")
    assert settings.KIOSCO_EDITION_NAME in text


def test_it_keeps_the_language_a_reader_signed_up_in(smtp_server, commit):
    with commit():
        Client(HTTP_ACCEPT_LANGUAGE="es").post(
            "/accounts/signup/",
            {"email": "dora@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert Reader.objects.get(email="dora@example.com").language == "es"
    assert "Gracias por leer" in body(smtp_server.wait_for(to="dora@example.com"))
