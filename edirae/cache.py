"""The shared cache (Redis), with a local fallback while Redis is unreachable, and the
template fragments' cache kept in each process in front of it (`KeptFragmentCache`).

Rate limits (allauth's login, signup and password-reset limits, the AI mentor's hourly limit)
and a few cached AI notes live in the cache. If Redis stops answering, raising would turn
every login POST into a 500; failing open would lift every limit. We chose a third way: each
operation that cannot reach Redis is served by a per-process in-memory cache instead, and
logged. So while Redis is down limits still hold, per web process (with N gunicorn workers an
attacker gets at most N times each limit), and counts start again from zero both when Redis
goes away and when it returns. After a failure, Redis is not asked again for
`RETRY_AFTER` seconds, so a request pays at most one short connection timeout.
"""

import functools
import hashlib
import logging
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER = 5.0

# Shared by every thread of the process (Django builds one cache object per thread).
_down_until: dict[str, float] = {}
_lock = threading.Lock()


class _SharedClientsRedisCacheClient(RedisCacheClient):
    """Django's client builds a `redis.Redis` (with its table of some 200 reply callbacks) for
    every cache operation; one per connection pool serves them all, as redis-py means it to
    (thread-safe: each command borrows a pooled connection)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]


class ResilientRedisCache(RedisCache):
    """Django's RedisCache whose every operation falls back to a local cache on a connection
    error or timeout; see the module docstring for what that means for rate limits."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClientsRedisCacheClient
        self._location = str(server)
        self.fallback = LocMemCache(
            f"edirae-fallback:{self._location}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": 10_000},
            },
        )

    @property
    def is_down(self) -> bool:
        return time.monotonic() < _down_until.get(self._location, 0.0)

    def _mark_down(self, operation: str, error: Exception) -> None:
        with _lock:
            already = self.is_down
            _down_until[self._location] = time.monotonic() + RETRY_AFTER
        if not already:
            logger.error(
                "Cache unreachable (%s on %s: %s); using this process's local cache for %ss. "
                "Rate limits now hold per process.",
                error.__class__.__name__,
                operation,
                error,
                RETRY_AFTER,
            )


def _resilient(name: str):
    redis_method = getattr(RedisCache, name)
    local_method = getattr(LocMemCache, name)

    def method(self, *args, **kwargs):
        if not self.is_down:
            try:
                return redis_method(self, *args, **kwargs)
            except UNREACHABLE as error:
                self._mark_down(name, error)
        return local_method(self.fallback, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = redis_method.__doc__
    return method


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(ResilientRedisCache, _name, _resilient(_name))


_MISSING = object()


@functools.cache
def _rendering_digest() -> str:
    """A digest of what renders fragments: the project's templates and template tags."""
    root = Path(settings.BASE_DIR)
    sources = sorted(
        [*root.glob("templates/**/*.html"), *root.glob("*/templatetags/*.py")],
        key=lambda path: str(path.relative_to(root)),
    )
    digest = hashlib.blake2b(digest_size=8)
    for path in sources:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class KeptFragmentCache(LocMemCache):
    """The `template_fragments` cache of `{% cache %}`: each process keeps in memory what it
    rendered or read from the shared cache (`default`), which it also writes.

    Only for fragments whose key names everything they show (a digest of it, or the content
    stamp it was rendered at, as `Dashboard.overview_key`): a fragment never changes under its
    key, so a copy kept in a process is never stale, and a read costs no round trip. In the
    shared cache the keys also carry a digest of the templates and template tags, so a
    release never serves what another one rendered."""

    def get(self, key, default=None, version=None):
        value = super().get(key, _MISSING, version)
        if value is _MISSING:
            value = caches["default"].get(self._shared(key), _MISSING, version)
            if value is _MISSING:
                return default
            super().set(key, value, version=version)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        super().set(key, value, timeout, version)
        caches["default"].set(self._shared(key), value, timeout, version)

    @staticmethod
    def _shared(key: str) -> str:
        return f"fragment:{_rendering_digest()}:{key}"
