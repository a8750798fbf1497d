"""Suite-wide fixtures. `make test` runs everything twice: SQLite, then PostgreSQL."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings

# Hypothesis: CI (CI=true) runs a fixed, derandomised set of examples with no deadline,
# so a busy 2-core machine neither flakes on timing nor draws a new example per run; a
# developer's run explores at random, still without deadlines (times belong in bench/).
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


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
