"""Fixtures of the security tests: an empty cache per test, and the world (tests/security/
world.py) with one of everything a URL can point at."""

import pytest
from django.core.cache import cache

from tests.security.world import World, build_world


@pytest.fixture(autouse=True)
def _empty_cache():
    # The test settings' LocMemCache is one store per process: rate-limit counters from an
    # earlier test (five failed logins as the same user) would decide this one.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db, settings) -> World:
    return build_world(settings)
