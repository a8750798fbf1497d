import pytest
from django.core.cache import cache, caches

from tests.support.personas import Personas, make_reader, personas


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    cache.clear()  # the current terms id is cached between requests
    _clear_rate_limits(request)
    yield
    cache.clear()


@pytest.fixture
def people(db) -> Personas:
    return personas()


@pytest.fixture
def erin(db):
    """Nobody's reader yet: a verified account with no seat."""
    return make_reader("erin@example.com", None)


def _clear_rate_limits(request: pytest.FixtureRequest) -> None:
    """Without Redis the counters are a database table: only a test with the database."""
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)  # the database first, then its counters
            caches["ratelimit"].clear()
            return
