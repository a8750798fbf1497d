import pytest
from django.core.cache import cache

from tests.support.personas import Personas, make_reader, personas


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    cache.clear()  # the current terms id is cached between requests
    yield
    cache.clear()


@pytest.fixture
def people(db) -> Personas:
    return personas()


@pytest.fixture
def erin(db):
    """Nobody's reader yet: a verified account with no seat."""
    return make_reader("erin@example.com", None)
