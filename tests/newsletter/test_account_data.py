"""The reader's data export includes their newsletter data; deleting the account
removes it (and their opt-in links stop working)."""

from __future__ import annotations

import json

import pytest

from kiosco.newsletter import services
from kiosco.newsletter.models import Consent, Subscriber
from tests.readers.conftest import make_reader, reauthenticate, sign_in


@pytest.fixture
def erin(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reader = make_reader("erin@example.com")
    evidence = {"source": "/city/tram/", "ip": "203.0.113.5", "user_agent": "UA"}
    services.subscribe_reader(reader, "en", evidence)
    services.sign_up("erin@example.com", "es", evidence)  # anonymous, still pending
    return reader


def test_the_export_includes_the_readers_newsletter_data(erin):
    client = sign_in("erin@example.com")
    reauthenticate(client)
    response = client.post("/account/export/")
    assert response.status_code == 200, response.content[:500]
    data = json.loads(response.content)
    lists = {entry["list"]: entry for entry in data["newsletter"]}
    assert lists["en"]["status"] == "confirmed" and lists["es"]["status"] == "pending"
    consent = lists["en"]["consents"][0]
    assert consent["source"] == "/city/tram/" and consent["ip_prefix"] == "203.0.113.0/24"


def test_deleting_the_account_deletes_the_newsletter_data(erin):
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from kiosco.readers.services import delete_reader

    request = RequestFactory().post("/account/delete/")
    request.session = SessionStore()
    request.user = erin
    delete_reader(request, erin)
    assert not Subscriber.objects.filter(email="erin@example.com").exists()
    assert not Consent.objects.exists()
