"""Login, sign-up and reset answer the same, status and body, for known and unknown
emails (the form echoes the address typed; that echo is the only difference)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.readers.conftest import PASSWORD, without_csrf

pytestmark = pytest.mark.django_db
KNOWN, UNKNOWN = "alice@example.com", "ghost@example.com"


def _normalised(content: bytes, email: str) -> bytes:
    return without_csrf(content).replace(email.encode(), b"EMAIL")


def _answer(path: str, data: dict, email: str, follow: bool = False) -> tuple[int, bytes, str]:
    response = Client().post(path, data, follow=follow)
    chain = [url for url, _ in getattr(response, "redirect_chain", [])]
    return response.status_code, _normalised(response.content, email), str(chain)


def test_it_answers_a_wrong_login_the_same_for_known_and_unknown_emails(alice):
    known = _answer("/accounts/login/", {"login": KNOWN, "password": "wrong guess"}, KNOWN)
    unknown = _answer("/accounts/login/", {"login": UNKNOWN, "password": "wrong guess"}, UNKNOWN)
    assert known[0] == 200
    assert known == unknown


def test_it_answers_a_reset_the_same_for_known_and_unknown_emails(alice):
    known = _answer("/accounts/password/reset/", {"email": KNOWN}, KNOWN, follow=True)
    unknown = _answer("/accounts/password/reset/", {"email": UNKNOWN}, UNKNOWN, follow=True)
    assert known[0] == 200
    assert known == unknown


def test_it_answers_a_signup_the_same_for_known_and_unknown_emails(alice):
    data = {"password1": PASSWORD, "password2": PASSWORD}
    known = _answer("/accounts/signup/", {"email": KNOWN, **data}, KNOWN, follow=True)
    unknown = _answer("/accounts/signup/", {"email": UNKNOWN, **data}, UNKNOWN, follow=True)
    assert known[0] == 200
    assert known == unknown


def test_a_sign_up_with_a_taken_address_is_kept_for_its_owner_and_creates_nothing(alice):
    from kiosco.readers.events import EventTag
    from kiosco.readers.models import Reader, SecurityEvent

    readers = Reader.objects.count()
    data = {"email": KNOWN, "password1": PASSWORD, "password2": PASSWORD}
    Client().post("/accounts/signup/", data, REMOTE_ADDR="203.0.113.7")
    assert Reader.objects.count() == readers  # the timing pad's inserts were rolled back
    attempt = SecurityEvent.objects.get(tag=EventTag.SIGNUP_EXISTING)
    assert (attempt.reader, attempt.ip_address) == (alice, "203.0.113.7")


def test_a_new_reader_their_address_and_the_sign_up_event_arrive_together(alice):
    from allauth.account.models import EmailAddress

    from kiosco.readers.events import EventTag
    from kiosco.readers.models import Reader, SecurityEvent

    data = {"email": UNKNOWN, "password1": PASSWORD, "password2": PASSWORD}
    Client().post("/accounts/signup/", data)
    reader = Reader.objects.get(email=UNKNOWN)
    assert EmailAddress.objects.filter(user=reader, email=UNKNOWN).exists()
    assert SecurityEvent.objects.filter(reader=reader, tag=EventTag.SIGNUP).exists()
