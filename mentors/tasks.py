"""Periodic tasks (Celery beat, see settings). Thin: they call idempotent services."""

from celery import shared_task


@shared_task(name="mentors.tasks.escalate_overdue_submissions", acks_late=True)
def escalate_overdue_submissions() -> int:
    from mentors import services

    return len(services.escalate_overdue_submissions())


@shared_task(name="mentors.tasks.release_expired_claims", acks_late=True)
def release_expired_claims() -> int:
    from mentors import services

    return services.release_expired_claims()
