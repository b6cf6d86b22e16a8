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


@shared_task(name="mentors.tasks.draft_pre_review", acks_late=True)
def draft_pre_review(round_id: int) -> bool:
    """Queued on commit when a round is sent. The service drafts once per round."""
    from mentors.ai import services

    return services.draft_pre_review(round_id=round_id) is not None
