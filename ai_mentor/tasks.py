"""The AI mentor's tasks. Thin: they take ids and call idempotent services."""

from celery import shared_task


@shared_task(name="ai_mentor.tasks.draft_pre_review", acks_late=True)
def draft_pre_review(round_id: int) -> bool:
    """Queued on commit when a round is sent. The service drafts once per round."""
    from ai_mentor import pre_review

    return pre_review.draft_pre_review(round_id=round_id) is not None
