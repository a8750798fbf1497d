"""Suite-wide fixtures. `make test` runs everything twice: SQLite, then PostgreSQL."""

from __future__ import annotations

import os

import pytest
from django.db import connection


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
