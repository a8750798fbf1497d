"""The editor's side in the admin: compose by language, edit the intro, preview, test
send (through the real SMTP server), start the send, watch its progress."""

from __future__ import annotations

import pytest
from django.core import mail

from kiosco.newsletter import issues
from kiosco.newsletter.models import Issue
from kiosco.readers.models import Reader
from tests.newsletter.conftest import BODY_SECRET, confirmed


@pytest.fixture
def editor(client, db):
    admin = Reader.objects.create_superuser(email="ed@example.com", password="x" * 12)
    client.force_login(admin)
    return client


def test_an_editor_composes_previews_tests_and_sends_an_issue(editor, week, smtp_server):
    confirmed("ann@example.org")
    response = editor.post("/admin/newsletter/issue/add/", {"language": "en"})
    assert response.status_code == 302, response.content[:2000]
    issue = Issue.objects.get()
    assert [i["headline"] for i in issue.items] == ["Headline tram", "Headline harbour"]

    change = f"/admin/newsletter/issue/{issue.pk}/change/"
    editor.post(change, {"language": "en", "subject": issue.subject, "intro": "Hello, Vallmar."})
    issue.refresh_from_db()
    assert issue.intro == "Hello, Vallmar."

    preview = editor.get(f"/admin/newsletter/issue/{issue.pk}/preview/")
    assert b"Hello, Vallmar." in preview.content and b"Headline harbour" in preview.content
    assert BODY_SECRET.encode() not in preview.content
    assert "sandbox" in preview["Content-Security-Policy"]

    send_page = f"/admin/newsletter/issue/{issue.pk}/send/"
    editor.post(send_page, {"address": "desk@example.org"})
    test = smtp_server.wait_for(to="desk@example.org")
    assert str(test["Subject"]).startswith("[TEST]")
    assert issue.deliveries.count() == 0  # a test send freezes no list

    editor.post(send_page, {"start": "1"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING
    issues.send_all(issue.pk)  # what the worker's task does
    smtp_server.wait_for(to="ann@example.org")
    page = editor.get(change).content.decode()
    assert '<progress max="1" value="1">' in page
    assert Issue.objects.get().status == Issue.Status.SENT


def test_a_send_through_a_non_smtp_backend_keeps_the_finished_message(week, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    confirmed("ann@example.org")
    issue = issues.compose_issue("en")
    issues.start_sending(issue)
    issues.send_all(issue.pk)
    (message,) = mail.outbox
    raw = message.message().as_bytes()
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    assert b"To: ann@example.org" in raw
