"""Argon2 with explicit, sane parameters; hashes made with Django's defaults still
verify and are re-hashed with ours."""

from __future__ import annotations

import argon2
import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password

from kiosco import settings as project_settings
from kiosco.readers.models import Reader
from tests.readers.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _project_hashers(settings):
    # The project's own list, not the fast hasher the other readers tests use.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def _parameters(encoded: str) -> argon2.Parameters:
    return argon2.extract_parameters(encoded.removeprefix("argon2"))


def test_it_hashes_a_new_password_with_the_configured_argon2_parameters():
    params = _parameters(make_password(PASSWORD))
    assert params.type is argon2.Type.ID
    assert (params.time_cost, params.memory_cost, params.parallelism) == (2, 19456, 1)


def test_it_keeps_djangos_argon2_next_so_old_hashes_still_verify():
    assert project_settings.PASSWORD_HASHERS[:2] == [
        "kiosco.readers.hashers.ReaderArgon2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


def test_it_rehashes_a_django_default_argon2_hash_with_ours_at_the_next_login():
    old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    assert _parameters(old).memory_cost == 102400
    reader = Reader.objects.create(email="dora@example.com", password=old)
    assert reader.check_password(PASSWORD)
    reader.refresh_from_db()
    assert (_parameters(reader.password).memory_cost, _parameters(reader.password).parallelism) == (
        19456,
        1,
    )


def test_it_checks_a_password_it_hashed():
    # Its cost (tens of milliseconds) is measured by bench/bench_enumeration.py.
    assert check_password(PASSWORD, make_password(PASSWORD))
