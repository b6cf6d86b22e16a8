"""Celery tasks for reminders: thin, they take ids and call services."""

import smtplib

from celery import shared_task

from reminders import delivery, services


@shared_task(name="reminders.tasks.sweep_reminders", ignore_result=True)
def sweep_reminders() -> None:
    """Run by Celery beat every few minutes (settings.CELERY_BEAT_SCHEDULE)."""
    services.sweep()


@shared_task(
    name="reminders.tasks.send_reminder",
    bind=True,
    acks_late=True,
    ignore_result=True,
    # Transient SMTP and network errors: retried with exponential back-off (30 s, 60 s,
    # 120 s... capped at 5 min, with jitter); `deliver` records each error on the reminder.
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=300,
    max_retries=5,
)
def send_reminder(self, reminder_id: int) -> None:
    # deliver() claims the row: a duplicate or redelivered task is a no-op.
    delivery.deliver(
        reminder_id=reminder_id, final_attempt=self.request.retries >= self.max_retries
    )
