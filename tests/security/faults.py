"""Helpers that take a backing service away: the cache, the broker, the SMTP server. Each
points at a port nothing listens on (refused at once, as when Redis or Postfix is stopped)."""

from contextlib import contextmanager

from edirae import cache as resilient_cache
from edirae.celery import app as celery_app

CLOSED_CACHE = "redis://127.0.0.1:8127/0"
CLOSED_BROKER = "redis://127.0.0.1:8128/0"
CLOSED_SMTP_PORT = 8129


def cache_down(settings) -> None:
    """The production cache backend and options, pointed at a closed port."""
    resilient_cache._down_until.clear()
    settings.CACHES = {
        "default": {
            "BACKEND": "edirae.cache.ResilientRedisCache",
            "LOCATION": CLOSED_CACHE,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }


def _reset_pools() -> None:
    # Not force-closed: kombu's shared producer registry would hand the closed pool back.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def broker_down():
    """Celery's producer pointed at a closed port; back to the real broker afterwards."""
    # The write URL: CELERY_BROKER_URL in the environment would win over conf.broker_url.
    # (The raw setting is saved, not the property, which falls back to the broker URL.)
    saved = celery_app.conf.get("broker_write_url"), celery_app.conf.task_always_eager
    _reset_pools()
    celery_app.conf.broker_write_url = CLOSED_BROKER
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.broker_write_url, celery_app.conf.task_always_eager = saved
        _reset_pools()


def smtp_refusing(settings) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": CLOSED_SMTP_PORT, "timeout": 1},
        }
    }
