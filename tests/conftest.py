"""Suite-wide fixtures. `make test` runs everything twice: SQLite, then PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.db import connection
from hypothesis import HealthCheck, settings

from kiosco.lib import hot
from tests.support.caches import on_redis
from tests.support.personas import Personas, personas

# Hypothesis: every run (`make test`, CI, a bare pytest) draws a fixed, derandomised set
# of examples with no deadline, so a busy 2-core machine neither flakes on timing nor
# meets a new example per run. HYPOTHESIS_PROFILE=dev explores at random, still without
# deadlines (times belong in bench/). Both are built on Hypothesis's own "default": under
# a CI variable Hypothesis has already loaded its "ci" profile (derandomised), which a
# profile would otherwise inherit.
_BASE = settings.get_profile("default")
settings.register_profile(
    "ci",
    _BASE,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", _BASE, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def redis_url() -> str:
    """The real Redis the suite runs against (`make test` finds or starts it)."""
    url = os.environ.get("KIOSCO_TEST_REDIS_URL")
    if not url:
        pytest.fail("KIOSCO_TEST_REDIS_URL is not set: run the suite with `make test`.")
    return url


@pytest.fixture(autouse=True)
def _fresh_caches(request: pytest.FixtureRequest) -> None:
    """Every test starts with empty caches and rate-limit counters: one test's logins
    or sign-ups must not spend the next test's limits. Without Redis the counters are
    a database table that ``flush`` does not empty, so they are cleared only in a test
    that has the (test) database."""
    caches["default"].clear()
    hot.forget_recent()
    if request.node.get_closest_marker("django_db") is not None:
        request.getfixturevalue("_django_db_helper")
    elif not {"db", "transactional_db"} & set(request.fixturenames):
        return
    else:
        request.getfixturevalue(
            "transactional_db" if "transactional_db" in request.fixturenames else "db"
        )
    caches["ratelimit"].clear()
    caches["versions"].clear()  # without Redis, a table: new tokens, so nothing memoised matches


@pytest.fixture
def production_cache(redis_url: str) -> Iterator[None]:
    """The default cache, the version tokens and the sessions on the real Redis."""
    with on_redis(redis_url):
        yield


@pytest.fixture
def people(db: None) -> Personas:
    """Alice (Digital), the Premium pair, the Business organisation: tests/support/personas."""
    return personas()
