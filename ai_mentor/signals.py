"""Signal receivers (interfaces only: no rules here)."""

from ai_mentor import pre_review


def queue_pre_review_of_sent_round(sender, *, round_id: int, **kwargs) -> None:
    """`mentors.hooks.round_sent`: a round entered the queue; draft its pre-review."""
    pre_review.queue_pre_review(round_id=round_id)
