"""A real Celery worker, in a thread, executes a task sent through the Redis broker."""

from celery.contrib.testing.worker import start_worker
from django.conf import settings

from edirae.celery import app as celery_app
from edirae.celery import ping


def test_a_worker_executes_a_task_through_redis():
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "make test runs against Redis"
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = ping.delay()
        assert result.get(timeout=20) == "pong"
