"""`make test` finds its services or says how to provide them: never a silent skip."""

import os

import pytest

from tests.support import services
from tests.support.services import ServiceMissing, ensure_postgres, ensure_redis

NOBODY = "postgresql://127.0.0.1:1/test"


def test_it_uses_the_postgres_it_is_pointed_at(monkeypatch):
    url = os.environ["KIOSCO_TEST_POSTGRES_URL"]
    monkeypatch.setenv("KIOSCO_TEST_DATABASE_URL", url)
    assert ensure_postgres() == url


def test_it_says_how_to_provide_postgres_when_none_answers_and_none_is_installed(monkeypatch):
    monkeypatch.setenv("KIOSCO_TEST_DATABASE_URL", NOBODY)
    monkeypatch.setattr(services, "_postgres_binaries", lambda: None)
    with pytest.raises(ServiceMissing) as missing:
        ensure_postgres()
    assert "KIOSCO_TEST_DATABASE_URL=postgresql://" in str(missing.value)
    assert "apt-get install postgresql" in str(missing.value)


def test_it_says_how_to_provide_redis_when_none_answers_and_none_is_installed(monkeypatch):
    monkeypatch.setenv("KIOSCO_TEST_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(services.shutil, "which", lambda name: None)
    with pytest.raises(ServiceMissing, match="KIOSCO_TEST_REDIS_URL=redis://"):
        ensure_redis()


def test_it_starts_a_throwaway_redis_from_local_binaries(monkeypatch):
    if not services.shutil.which("redis-server"):
        pytest.fail("this machine should have redis-server (it runs the suite's Redis)")
    monkeypatch.setenv("KIOSCO_TEST_REDIS_URL", "redis://127.0.0.1:1/0")
    url = ensure_redis()
    assert url != "redis://127.0.0.1:1/0"
    assert services._redis_answers(url)


def test_it_starts_a_throwaway_postgres_from_local_binaries(monkeypatch):
    if services._postgres_binaries() is None:
        pytest.fail("this machine should have PostgreSQL's binaries (it runs the suite's server)")
    monkeypatch.setenv("KIOSCO_TEST_DATABASE_URL", NOBODY)
    url = ensure_postgres()
    assert url != NOBODY
    assert services._postgres_answers(url)


def test_it_keeps_throwaway_postgres_data_outside_the_checkout():
    """A checkout in a private home (0700) is out of the postgres account's reach."""
    data = services.throwaway_postgres_dir()
    assert services.ROOT not in data.parents
    if os.geteuid() == 0:
        import pwd

        assert pwd.getpwuid(data.stat().st_uid).pw_name == "postgres"
