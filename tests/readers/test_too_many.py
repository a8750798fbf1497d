"""The 429 page says how long to wait: the window of the limit that was spent."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_says_an_hour_for_a_limit_counted_per_hour():
    client = Client()
    for _ in range(4):  # reset_password: 3 per hour per email typed
        response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert b"Please wait up to 1 hour and try again." in response.content
    assert b"a few minutes" not in response.content


def test_it_says_minutes_for_the_wrong_password_limit(alice):
    client = Client()
    for _ in range(11):  # login_failed: 10 per 5 minutes
        response = client.post("/accounts/login/", {"login": "alice@example.com", "password": "x"})
    assert response.status_code == 429 and response["Retry-After"] == "300"
    assert b"Please wait up to 5 minutes and try again." in response.content
