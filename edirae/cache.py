"""The shared cache (Redis), with a local fallback while Redis is unreachable.

Rate limits (allauth's login, signup and password-reset limits, the AI mentor's hourly limit)
and a few cached AI notes live in the cache. If Redis stops answering, raising would turn
every login POST into a 500; failing open would lift every limit. We chose a third way: each
operation that cannot reach Redis is served by a per-process in-memory cache instead, and
logged. So while Redis is down limits still hold, per web process (with N gunicorn workers an
attacker gets at most N times each limit), and counts start again from zero both when Redis
goes away and when it returns. After a failure, Redis is not asked again for
`RETRY_AFTER` seconds, so a request pays at most one short connection timeout.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER = 5.0

# Shared by every thread of the process (Django builds one cache object per thread).
_down_until: dict[str, float] = {}
_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    """Django's RedisCache whose every operation falls back to a local cache on a connection
    error or timeout; see the module docstring for what that means for rate limits."""

    def __init__(self, server, params):
        super().__init__(server, params)
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
