"""A real Celery worker against Redis delivers reminders; with Redis down nothing is lost."""

import os
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from edirae.celery import app as celery_app
from reminders import services
from reminders.kinds import registry
from reminders.models import Reminder
from tests.reminders.fakes import Announcement

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def announcements():
    """Only the kind due at any hour: these tests run on the real clock."""
    with registry.override(Announcement()):
        yield


@contextmanager
def worker():
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "make test runs against Redis"
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@contextmanager
def redis_down():
    """Points the Celery app (and its connection pools) at a port where nothing listens.
    (Celery reads CELERY_BROKER_URL from the environment before its own settings.)"""

    def reset_pools():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    saved_conf, saved_env = celery_app.conf.broker_url, os.environ.get("CELERY_BROKER_URL")
    celery_app.conf.broker_url = os.environ["CELERY_BROKER_URL"] = DEAD_BROKER
    reset_pools()
    try:
        assert celery_app.connection_for_write().port == 1
        yield
    finally:
        celery_app.conf.broker_url = saved_conf
        if saved_env is None:
            del os.environ["CELERY_BROKER_URL"]
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        reset_pools()


def wait_until_sent(count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Reminder.objects.filter(state="sent").count() >= count:
            return
        time.sleep(0.1)
    states = list(Reminder.objects.values_list("kind", "state", "last_error"))
    pytest.fail(f"Reminders not sent within {timeout} s: {states}")


def test_a_worker_delivers_a_swept_reminder_through_redis(learner):
    with worker():
        report = services.sweep()  # the announcement kind is due at any hour
        assert report.claimed == 1
        wait_until_sent(1)
    reminder = Reminder.objects.get(kind="test_announcement")
    assert (reminder.state, reminder.emailed) == ("sent", True)
    assert [m.to for m in mail.outbox] == [[learner.email]]
    assert learner.notifications.count() == 1


def test_with_redis_down_pages_work_and_the_reminder_goes_out_once_it_is_back(client, learner):
    client.force_login(learner)
    with redis_down():
        report = services.sweep()  # enqueueing fails: logged, not raised
        assert report.claimed == 1
        for page in (
            "/",
            "/tracks/",
            "/reminders/preferences/",
            "/reminders/notifications/",
            "/reminders/notifications/bell/",
        ):
            assert client.get(page).status_code == 200, page
    assert Reminder.objects.get().state == "pending"  # the state is safe in PostgreSQL
    assert mail.outbox == []

    with worker():
        later = services.sweep(now=timezone.now() + services.STALE_AFTER + timedelta(minutes=1))
        assert (later.claimed, later.requeued) == (0, 1)
        wait_until_sent(1)
    assert [m.to for m in mail.outbox] == [[learner.email]]
