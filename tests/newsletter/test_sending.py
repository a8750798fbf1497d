"""An issue through the real SMTP server: composition, both parts, the headers, a DKIM
signature that verifies, links that work when followed, one-click unsubscribe."""

from __future__ import annotations

from urllib.parse import urlsplit

import dkim
import pytest
from django.test import Client

from kiosco.newsletter import issues, services
from kiosco.newsletter.models import Delivery, Issue, Subscriber
from tests.newsletter.conftest import BODY_SECRET, confirmed
from tests.support.smtp import links


def _send(issue: Issue) -> None:
    issues.start_sending(issue)
    issues.send_all(issue.pk)


def _path(url: str) -> str:
    return urlsplit(url).path


@pytest.mark.django_db
def test_it_composes_the_weeks_published_articles_of_that_language(week):
    issue = issues.compose_issue("en")
    headlines = [item["headline"] for item in issue.items]
    assert headlines == ["Headline tram", "Headline harbour"]  # oldest first, this week only
    assert all(set(item) == {"headline", "standfirst", "url"} for item in issue.items)
    assert BODY_SECRET not in str(issue.items)
    assert [i["headline"] for i in issues.compose_issue("es").items] == ["Headline mercado"]


@pytest.mark.django_db
def test_it_sends_both_parts_and_the_unsubscribe_headers(week, smtp_server):
    confirmed("ann@example.org")
    issue = issues.compose_issue("en", intro="A quiet week at the harbour.")
    _send(issue)
    mail = smtp_server.wait_for(to="ann@example.org")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "A quiet week at the harbour." in text and "Headline harbour" in text
    assert "Headline harbour" in html and 'style="' in html and "max-width:600px" in html
    assert BODY_SECRET not in text + html
    unsubscribe = str(mail["List-Unsubscribe"])
    assert "<http://testserver/newsletter/unsubscribe/" in unsubscribe
    assert "<mailto:news@courier.example?subject=unsubscribe-" in unsubscribe
    assert str(mail["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


@pytest.mark.django_db
def test_each_recipient_gets_their_own_links_and_message_id(week, smtp_server):
    confirmed("ann@example.org")
    confirmed("ben@example.org")
    _send(issues.compose_issue("en"))
    ann, ben = (
        smtp_server.wait_for(to="ann@example.org"),
        smtp_server.wait_for(to="ben@example.org"),
    )
    assert str(ann["To"]) == "ann@example.org"
    assert ann["Message-ID"] != ben["Message-ID"]
    assert ann["List-Unsubscribe"] != ben["List-Unsubscribe"]


@pytest.mark.django_db
def test_its_dkim_signature_verifies_and_covers_the_unsubscribe_headers(
    week, smtp_server, dkim_key
):
    confirmed("ann@example.org")
    _send(issues.compose_issue("en"))
    mail = smtp_server.wait_for(to="ann@example.org")
    raw = smtp_server.raw["ann@example.org"][0]
    signature = str(mail["DKIM-Signature"])
    assert "d=courier.example" in signature and "s=news" in signature
    signed = signature.split("h=", 1)[1].split(";", 1)[0].replace(" ", "").lower()
    assert "list-unsubscribe" in signed.split(":") and "list-unsubscribe-post" in signed
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: dkim_key)
    tampered = raw.replace(b"Headline harbour", b"Headline forged")
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: dkim_key)


@pytest.mark.django_db
def test_its_links_work_when_followed(week, smtp_server):
    confirmed("ann@example.org")
    _send(issues.compose_issue("en"))
    mail = smtp_server.wait_for(to="ann@example.org")
    browser = Client()
    for url in links(mail):
        assert browser.get(_path(url)).status_code == 200, url
    subscriber = Subscriber.objects.get(email="ann@example.org")
    assert subscriber.status == Subscriber.Status.CONFIRMED  # following changed nothing


@pytest.mark.django_db
def test_one_click_unsubscribe_needs_no_cookie_or_csrf_and_acts_at_once(week, smtp_server):
    confirmed("ann@example.org")
    _send(issues.compose_issue("en"))
    mail = smtp_server.wait_for(to="ann@example.org")
    url = str(mail["List-Unsubscribe"]).split("<", 1)[1].split(">", 1)[0]
    mail_client = Client(enforce_csrf_checks=True)  # no cookies, no token: a mail client
    assert mail_client.head(_path(url)).status_code == 200
    assert mail_client.get(_path(url)).status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED
    response = mail_client.post(_path(url), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED
    # The next issue skips the address.
    issue = issues.compose_issue("en")
    _send(issue)
    assert issues.progress(issue)["total"] == 0
    assert len(smtp_server.to("ann@example.org")) == 1


@pytest.mark.django_db
def test_a_forged_unsubscribe_token_changes_nothing(client, week):
    confirmed("ann@example.org")
    assert client.post("/newsletter/unsubscribe/1:forged/").status_code == 404
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


@pytest.mark.django_db
def test_a_suppressed_or_departed_recipient_is_skipped_at_send_time(week, smtp_server):
    confirmed("ann@example.org")
    ben = confirmed("ben@example.org")
    confirmed("cat@example.org")
    issue = issues.compose_issue("en")
    issues.start_sending(issue)
    services.suppress("ANN@example.org", "bounce")  # after the list was frozen
    services.unsubscribe(ben)
    issues.send_all(issue.pk)
    smtp_server.wait_for(to="cat@example.org")
    assert smtp_server.to("ann@example.org") == [] and smtp_server.to("ben@example.org") == []
    statuses = dict(issue.deliveries.values_list("subscriber__email", "status"))
    assert statuses == {
        "ann@example.org": Delivery.Status.SKIPPED,
        "ben@example.org": Delivery.Status.SKIPPED,
        "cat@example.org": Delivery.Status.SENT,
    }


@pytest.mark.django_db
def test_starting_twice_adds_no_second_delivery(week):
    confirmed("ann@example.org")
    issue = issues.compose_issue("en")
    assert issues.start_sending(issue) == 1
    assert issues.start_sending(issue) == 0
    assert issue.deliveries.count() == 1


@pytest.mark.django_db
def test_the_preferences_page_pauses_and_resumes(week, smtp_server):
    confirmed("ann@example.org")
    _send(issues.compose_issue("en"))
    mail = smtp_server.wait_for(to="ann@example.org")
    url = next(u for u in links(mail) if "/preferences/" in u)
    browser = Client()
    browser.get(_path(url))
    browser.post(_path(url), {"action": "pause"})
    assert Subscriber.objects.get().status == Subscriber.Status.PAUSED
    issue = issues.compose_issue("en")
    _send(issue)
    assert len(smtp_server.to("ann@example.org")) == 1
    browser.post(_path(url), {"action": "resume"})
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


@pytest.mark.django_db
def test_the_command_line_sends_with_a_progress_bar(week, smtp_server, capsys):
    from django.core.management import call_command

    for n in range(5):
        confirmed(f"reader{n}@example.org")
    issue = issues.compose_issue("en")
    call_command("send_newsletter", str(issue.pk))
    out = capsys.readouterr()
    assert "sent 5, skipped 0, refused 0, interrupted 0 of 5" in out.out
    assert "5/5" in out.err
    smtp_server.wait_for(to="reader4@example.org")
