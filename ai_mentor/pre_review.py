"""The pre-review of evidence: a draft rubric assessment of a sent round for its human mentor.

Queued when a round enters the queue (`mentors.hooks.round_sent`, connected in
`AiMentorConfig.ready`); shown on the mentor's review page as a review aid
(`selectors.pre_review_aid`). It never touches the submission's state, claims or reviews.
"""

import logging

from django.db import IntegrityError, transaction

from ai_mentor.backends import Criterion, Level, PreReviewRequest
from ai_mentor.models import AIUsage, PreReviewDraft
from ai_mentor.services import call_backend
from mentors.models import SubmissionRound
from mentors.selectors import rubric_for

log = logging.getLogger(__name__)


def draft_pre_review(*, round_id: int) -> PreReviewDraft | None:
    """Draft a rubric assessment of a sent round for its human mentor: per criterion a
    suggested level, a comment and the write-up passage it rests on.

    Only for rounds that were sent and have a rubric. One draft per round (unique): safe to
    call twice, and from two workers; the second returns the first draft. Reads the round
    and rubric, writes only the draft and a usage row: it never touches the submission's
    state, claims or reviews.
    """
    existing = PreReviewDraft.objects.filter(round_id=round_id).first()
    if existing is not None:
        return existing
    round = (
        SubmissionRound.objects.select_related("submission__key_action", "submission__track")
        .filter(pk=round_id, submitted_at__isnull=False)
        .first()
    )
    if round is None:
        return None
    rubric = rubric_for(key_action=round.submission.key_action, track=round.submission.track)
    if rubric is None:
        return None
    criteria = [
        Criterion(
            pk=c.pk,
            title=c.title,
            description=c.description,
            levels=[Level(lv.pk, lv.score, lv.label, lv.description) for lv in c.levels.all()],
        )
        for c in rubric.criteria.all()
        if c.levels.all()
    ]
    outcome = call_backend(
        kind=AIUsage.Kind.PRE_REVIEW,
        method="pre_review",
        request=PreReviewRequest(
            key_action=round.submission.key_action.text,
            writeup=round.writeup,
            note=round.note,
            criteria=criteria,
        ),
        user=None,
    )
    reply = outcome.result
    try:
        with transaction.atomic():
            return PreReviewDraft.objects.create(
                round=round,
                rubric=rubric,
                backend=outcome.backend,
                summary=reply.summary,
                items=[
                    {
                        "criterion": item.criterion,
                        "level": item.level,
                        "comment": item.comment,
                        "passage": item.passage,
                    }
                    for item in reply.items
                ],
                notice=outcome.notice[:300],
            )
    except IntegrityError:
        return PreReviewDraft.objects.get(round_id=round_id)


def queue_pre_review(*, round_id: int) -> None:
    """Queue the pre-review task (called on commit when a round is sent). A broker outage
    must not break sending evidence: the mentor can still ask for the draft on the page."""
    from ai_mentor.tasks import draft_pre_review as task

    try:
        task.apply_async((round_id,), retry=False)
    except Exception:
        log.warning("Could not queue the AI pre-review of round %s", round_id, exc_info=True)
