import pytest
from django.utils import timezone

from kiosco.subscriptions.models import TermsAcceptance, TermsVersion
from kiosco.subscriptions.services.terms import accept_terms, render_markdown

pytestmark = pytest.mark.django_db


def _publish(version, body="# Terms\n\nRead carefully.", body_es="# Condiciones"):
    return TermsVersion.objects.create(
        version=version, body=body, body_es=body_es, published_at=timezone.now()
    )


def test_it_renders_markdown_and_escapes_raw_html():
    html = render_markdown(
        "# Hello\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](https://ok.example)"
    )
    assert "<h1>Hello</h1>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and 'href="https://ok.example"' in html


def test_it_serves_the_current_and_each_version(client):
    _publish("1", body="# Old")
    _publish("2", body="# New", body_es="# Nuevas")
    assert b"<h1>New</h1>" in client.get("/terms/").content
    assert b"<h1>Old</h1>" in client.get("/terms/1/").content
    assert b"Nuevas" in client.get("/terms/", HTTP_ACCEPT_LANGUAGE="es").content
    assert client.get("/terms/9/").status_code == 404


def test_it_tells_a_subscriber_of_a_new_version_once_and_never_walls_reading(client, people):
    first = _publish("1")
    accept_terms(people.alice, first)
    client.force_login(people.alice)
    assert b"new-terms" not in client.get("/subscription/").content
    second = _publish("2", body="# Version two")
    told = client.get("/")
    assert told.status_code == 200 and b"new-terms" in told.content
    again = client.get("/")
    assert again.status_code == 200 and b"new-terms" not in again.content  # once
    # The subscription page keeps the way to them until they are accepted.
    assert b"/terms/accept/" in client.get("/subscription/").content
    page = client.get("/terms/accept/?next=/subscription/")
    assert b"Version two" in page.content
    done = client.post(
        "/terms/accept/", {"version": second.pk, "accept": "on", "next": "/subscription/"}
    )
    assert done.status_code == 302 and done.url == "/subscription/"
    assert TermsAcceptance.objects.filter(reader=people.alice, version=second).exists()
    assert b"/terms/accept/" not in client.get("/subscription/").content


def test_it_does_not_ask_readers_without_a_subscription(client, erin):
    _publish("1")
    client.force_login(erin)
    assert client.get("/subscription/").status_code == 200
    assert b"new-terms" not in client.get("/").content


def test_it_refuses_an_offsite_next(client, people):
    version = _publish("1")
    client.force_login(people.alice)
    done = client.post(
        "/terms/accept/", {"version": version.pk, "accept": "on", "next": "https://evil.example/"}
    )
    assert done.url == "/"


def test_it_costs_no_query_once_checked(client, people, django_assert_max_num_queries):
    version = _publish("1")
    accept_terms(people.alice, version)
    client.force_login(people.alice)
    client.get("/plans/")
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse
    from django.test import RequestFactory

    from kiosco.subscriptions.middleware import TermsAcceptanceMiddleware

    request = RequestFactory().get("/somewhere/")
    request.user = people.alice
    request.session = SessionStore()  # new: no query until saved
    request.session["kiosco_terms_checked"] = version.pk
    with django_assert_max_num_queries(0):
        middleware = TermsAcceptanceMiddleware(lambda request: HttpResponse())
        assert middleware._must_accept(request) is False
