"""Is this process able to reach the database and the Celery broker?"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from edirae.celery import app as celery_app


@dataclass(frozen=True)
class Health:
    database: str
    broker: str

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.broker == "ok"


def check_health(*, broker_timeout: float = 0.8) -> Health:
    """Asks both backing services a trivial question; never raises. A broker that is down
    costs one connection attempt of at most `broker_timeout` (no retries, no back-off
    sleeps), so a load balancer's probe gets its answer within a second either way."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as exc:
        database = f"error: {exc.__class__.__name__}"
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=0, interval_start=0, timeout=broker_timeout)
        broker = "ok"
    except Exception as exc:
        broker = f"error: {exc.__class__.__name__}"
    return Health(database=database, broker=broker)
