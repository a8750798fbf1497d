"""Sign-up at the end of an article, double opt-in through emailed links, consent,
no enumeration, the cooldown, and one click for signed-in readers."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from kiosco.lib.models import Confirmation
from kiosco.newsletter.models import Consent, Subscriber
from tests.newsletter.conftest import confirmed
from tests.support.personas import make_reader
from tests.support.smtp import links

CSRF_INPUT = re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')
UA = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"


def _path(url: str) -> str:
    return urlsplit(url).path


def _sign_up(client: Client, email: str, language: str = "en", source: str = "/city/tram/"):
    return client.post(
        "/newsletter/signup/",
        {"email": email, "language": language, "source": source},
        HTTP_USER_AGENT=UA,
        REMOTE_ADDR="203.0.113.77",
    )


@pytest.mark.django_db
def test_it_ends_every_article_with_a_signup_in_its_language(client, week):
    page = client.get(week["mercado"].get_absolute_url()).content.decode()
    block = page[page.index("</article>") :]
    assert 'class="newsletter-signup" lang="es"' in block
    assert "Su dirección de correo" in block
    # The block is the same for every reader of the page (it may be cached by a proxy):
    # no per-browser token; its POST is checked by the browser's Origin instead.
    assert 'name="csrfmiddlewaretoken"' not in block
    assert 'name="language" value="es"' in block


def test_a_signup_posted_from_another_site_is_refused_and_stores_nothing(week):
    browser = Client(enforce_csrf_checks=True)
    form = {"email": "victim@example.org", "language": "en", "source": "/city/tram/"}
    refused: list[dict[str, str]] = [
        {"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}, {}
    ]  # fmt: skip
    for headers in refused:
        assert browser.post("/newsletter/signup/", form, headers=headers).status_code == 403
    assert not Subscriber.objects.exists()
    same_site = browser.post("/newsletter/signup/", form, headers={"Origin": "http://testserver"})
    assert same_site.status_code == 200
    assert Subscriber.objects.filter(email="victim@example.org").exists()


def test_it_confirms_only_on_post_after_the_emailed_link(client, week, smtp_server, commit):
    with commit():
        response = _sign_up(client, "Ann@Example.org ")
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    subscriber = Subscriber.objects.get(email="ann@example.org")
    assert subscriber.status == Subscriber.Status.PENDING
    mail = smtp_server.wait_for(to="ann@example.org")
    link = next(url for url in links(mail) if "/newsletter/confirm/" in url)

    # Mail scanners follow links: GET and HEAD show a page and change nothing.
    assert client.get(_path(link)).status_code == 200
    assert client.head(_path(link)).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING
    assert Confirmation.objects.get(kind="newsletter_optin").used_at is None

    page = client.get(_path(link)).content
    assert b'method="post"' in page
    assert client.post(_path(link)).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    # The key is single-use: a second POST gets the "already used" page.
    again = client.post(_path(link))
    assert again.status_code == 410


@pytest.mark.django_db
def test_it_keeps_a_consent_record_with_a_truncated_address(client, week, smtp_server, commit):
    with commit():
        _sign_up(client, "ben@example.org", source="/city/tram/")
    signed_up = Consent.objects.get(subscriber__email="ben@example.org")
    assert signed_up.action == Consent.Action.SIGNED_UP
    assert signed_up.source == "/city/tram/"
    assert signed_up.ip_prefix == "203.0.113.0/24"
    assert signed_up.user_agent == UA
    assert signed_up.wording_version


@pytest.mark.django_db
def test_it_answers_the_same_whether_or_not_the_address_is_subscribed(client, week):
    make_reader("someone@example.org", None)
    confirmed("known@example.org")
    known = _sign_up(client, "known@example.org")
    unknown = _sign_up(client, "unknown@example.org")
    assert known.status_code == unknown.status_code == 200
    assert CSRF_INPUT.sub(b"", known.content) == CSRF_INPUT.sub(b"", unknown.content)


@pytest.mark.django_db
def test_a_subscribed_address_gets_a_notice_not_a_second_subscription(client, smtp_server, commit):
    confirmed("known@example.org")
    with commit():
        _sign_up(client, "known@example.org")
    mail = smtp_server.wait_for(to="known@example.org")
    assert "already" in str(mail["subject"]).lower()
    assert not Confirmation.objects.filter(kind="newsletter_optin").exists()


@pytest.mark.django_db
def test_a_second_signup_within_the_cooldown_sends_no_second_mail(client, smtp_server, commit):
    with commit():
        _sign_up(client, "cara@example.org")
    smtp_server.wait_for(to="cara@example.org")
    with commit():
        response = _sign_up(client, "cara@example.org")
    assert b"Check your inbox" in response.content
    assert Confirmation.objects.filter(kind="newsletter_optin").count() == 1
    # Barrier: a message sent after the second sign-up would arrive before this one.
    with commit():
        _sign_up(client, "dan@example.org")
    smtp_server.wait_for(to="dan@example.org")
    assert len(smtp_server.to("cara@example.org")) == 1


@pytest.mark.django_db
def test_a_signed_in_reader_subscribes_with_one_click_and_manages_it(client, week):
    reader = make_reader("erin@example.com", None)
    client.force_login(reader)
    page = client.get(week["tram"].get_absolute_url()).content.decode()
    assert 'type="email"' not in page[page.index("</article>") :]
    response = client.post("/newsletter/signup/", {"language": "en", "source": "/city/tram/"})
    assert b"You are subscribed" in response.content
    subscriber = Subscriber.objects.get(email="erin@example.com", language="en")
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.reader == reader

    account = client.get("/account/").content.decode()
    assert 'href="/newsletter/account/"' in account
    client.post("/newsletter/account/", {"action": "pause", "language": "en"})
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PAUSED
    client.post("/newsletter/account/", {"action": "join", "language": "es"})
    assert Subscriber.objects.get(email="erin@example.com", language="es").status == "confirmed"
    assert b"Your newsletter is paused." in client.get("/newsletter/account/").content


@pytest.mark.django_db
def test_an_expired_or_malformed_opt_in_link_gets_its_own_page(client):
    assert client.get("/newsletter/confirm/not-a-key/").status_code == 404
    assert client.post("/newsletter/confirm/" + "x" * 43 + "/").status_code == 404


def test_a_look_alike_address_never_joins_a_readers_account(client, week, mailoutbox, commit):
    """PostgreSQL folds a dotless i (U+0131) into "I": a confirmed sign-up of
    victim@b\u0131gcorp.example was linked to victim@bigcorp.example's account, whose
    newsletter page then said they received it (and could pause it for the other)."""
    victim = make_reader("victim@bigcorp.example", None)
    look_alike = "victim@b\u0131gcorp.example"
    with commit():
        assert _sign_up(client, look_alike).status_code == 200
    confirm = re.search(r"(/newsletter/confirm/[\w-]+/)", str(mailoutbox[-1].body))
    assert confirm is not None and mailoutbox[-1].to == [look_alike]
    assert client.post(confirm.group(1)).status_code == 200
    assert Subscriber.objects.get(email=look_alike).status == Subscriber.Status.CONFIRMED

    client.force_login(victim)
    page = client.get("/newsletter/account/").content.decode()
    assert page.count("You do not receive the newsletter.") == 2  # neither list
    assert Subscriber.objects.get(email=look_alike).reader is None
