"""The Celery application. Tasks are thin: they take ids and call services."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edirae.settings")

app = Celery("edirae")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="edirae.ping", ignore_result=False)
def ping() -> str:
    """Answers 'pong': lets health checks and tests see a worker execute a task."""
    return "pong"
