"""KIOSCO_EMAIL_URL and KIOSCO_TRUSTED_PROXIES: parsed strictly, explained when wrong."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kiosco.lib.client_ip import client_ip, parse_trusted_proxies
from kiosco.lib.email import email_settings

OUTBOX = Path("/tmp/outbox")


def test_it_reads_smtp_with_starttls_and_encoded_credentials():
    parsed = email_settings("smtp://mailer:p%40ss@mail.example.com:2525?tls=1", OUTBOX)
    assert parsed["EMAIL_HOST"] == "mail.example.com" and parsed["EMAIL_PORT"] == 2525
    assert parsed["EMAIL_HOST_USER"] == "mailer" and parsed["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert parsed["EMAIL_USE_TLS"] and not parsed["EMAIL_USE_SSL"]


def test_it_reads_smtps_as_implicit_tls_on_465():
    parsed = email_settings("smtps://mail.example.com", OUTBOX)
    assert parsed["EMAIL_USE_SSL"] and parsed["EMAIL_PORT"] == 465


def test_it_defaults_to_the_file_outbox():
    assert email_settings("", OUTBOX)["EMAIL_BACKEND"] == "kiosco.lib.email.OutboxBackend"


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.com",
        "smtp://",
        "smtp://host:notaport",
        "smtps://h?tls=1",
        "smtp://h?timeout=x",
    ],
)
def test_it_refuses_a_bad_email_url(url):
    with pytest.raises(ImproperlyConfigured):
        email_settings(url, OUTBOX)


def test_it_refuses_a_bad_trusted_proxy():
    with pytest.raises(ImproperlyConfigured):
        parse_trusted_proxies(["10.0.0.1", "proxy.example.com"])


def _request(peer: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else None
    return RequestFactory().get("/", REMOTE_ADDR=peer, headers=headers)


def test_it_ignores_forwarded_for_from_an_untrusted_peer():
    proxies = parse_trusted_proxies(["10.0.0.0/8"])
    assert client_ip(_request("203.0.113.9", "1.2.3.4"), proxies) == "203.0.113.9"


def test_it_takes_the_first_untrusted_hop_from_the_right():
    proxies = parse_trusted_proxies(["10.0.0.0/8"])
    request = _request("10.0.0.2", "6.6.6.6, 198.51.100.4, 10.0.0.1")
    assert client_ip(request, proxies) == "198.51.100.4"


def test_it_stops_at_garbage_written_into_the_header():
    proxies = parse_trusted_proxies(["10.0.0.1"])
    assert client_ip(_request("10.0.0.1", "not-an-ip"), proxies) == "10.0.0.1"
    assert client_ip(_request("10.0.0.1"), proxies) == "10.0.0.1"


def test_it_believes_forwarded_proto_only_from_a_trusted_proxy(db, settings):
    settings.KIOSCO_TRUSTED_PROXIES = ["10.0.0.1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    spoofed = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert not spoofed.cookies["kiosco_device"]["secure"]
    proxied = Client().get(
        "/accounts/login/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.1"
    )
    assert proxied.cookies["kiosco_device"]["secure"]


addresses = st.ip_addresses().map(str)


@hypothesis_settings(max_examples=60, deadline=None)
@given(peer=addresses, forwarded=st.lists(addresses | st.text(max_size=20), max_size=6))
def test_it_never_lets_an_untrusted_peer_choose_its_address(peer, forwarded):
    proxies = parse_trusted_proxies(["10.255.255.254"])
    if peer == "10.255.255.254":
        return
    request = _request(peer, ", ".join(forwarded) or None)
    assert client_ip(request, proxies) == str(ipaddress.ip_address(peer))
