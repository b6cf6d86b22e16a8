"""Mentors' reviews of a round against its rubric, and the review promise (escalation).

After commit, an approval runs the gate hook (`mentors.approvals.on_evidence_approved`) once.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from accounts.models import User
from mentors import approvals
from mentors.models import (
    Escalation,
    Review,
    ReviewScore,
    Rubric,
    RubricCriterion,
    RubricLevel,
    Submission,
    SubmissionRound,
)
from mentors.services.claims import _mentor_may_review
from mentors.services.states import (
    ClaimRefused,
    EvidenceRefused,
    ReviewRefused,
    _move,
    _now,
)

State = Submission.State


# --- Mentors: reviews -----------------------------------------------------------------------


def failing_criteria(
    *, criteria: Iterable[RubricCriterion], chosen: Mapping[int, RubricLevel]
) -> list[RubricCriterion]:
    """The criteria not scored at or above their pass level. Approval needs none. Pure."""
    return [
        criterion
        for criterion in criteria
        if criterion.pk not in chosen or chosen[criterion.pk].score < criterion.pass_score
    ]


def scorable_criteria(rubric: Rubric | None) -> list[RubricCriterion]:
    """The rubric's criteria that have levels to choose from (prefetched when possible)."""
    if rubric is None:
        return []
    return [criterion for criterion in rubric.criteria.all() if criterion.levels.all()]


def review(
    *,
    submission: Submission,
    mentor: User,
    verdict: str,
    feedback: str,
    levels: Mapping[int, int],
    rubric: Rubric | None,
    now: datetime | None = None,
) -> Review:
    """Record the mentor's review of the current round: scores, feedback and verdict.

    `levels` maps criterion ids to chosen level ids; every scorable criterion of `rubric` needs
    one. Approval needs every criterion at or above its pass level. The mentor must hold the
    claim (conditional UPDATE) and a round has at most one review (unique): safe twice, the
    second is refused. After commit, on approval, the gate hook runs once. The learner hears
    of the review from the reminder sweep (kind `evidence_reviewed`).
    """
    now = _now(now)
    try:
        _mentor_may_review(mentor, submission)
    except ClaimRefused as exc:
        raise ReviewRefused(exc.message) from None
    if verdict not in Review.Verdict.values:
        raise ReviewRefused("Choose approve or request changes.")
    criteria = scorable_criteria(rubric)
    chosen: dict[int, RubricLevel] = {}
    errors: dict[str, list[str]] = {}
    for criterion in criteria:
        level = next(
            (lv for lv in criterion.levels.all() if lv.pk == levels.get(criterion.pk)), None
        )
        if level is None:
            errors[f"criterion_{criterion.pk}"] = [f"Choose a level for “{criterion.title}”."]
        else:
            chosen[criterion.pk] = level
    if not feedback.strip():
        errors["feedback"] = ["Write feedback: what is good, and what to change."]
    if not errors and verdict == Review.Verdict.APPROVE:
        failing = failing_criteria(criteria=criteria, chosen=chosen)
        for criterion in failing:
            errors[f"criterion_{criterion.pk}"] = [
                f"Below the pass level for approval ({criterion.pass_score})."
            ]
        if failing:
            errors["__all__"] = [
                "Approval needs every criterion at or above its pass level. Request changes, "
                "or raise the scores that are below."
            ]
    if errors:
        raise ReviewRefused("Please correct the review below.", errors)

    target = State.APPROVED if verdict == Review.Verdict.APPROVE else State.CHANGES_REQUESTED
    with transaction.atomic():
        round = submission.rounds.order_by("-number").first()
        try:
            _move(
                submission,
                target,
                only_if=Q(state=State.IN_REVIEW, claimed_by=mentor),
                claimed_by=None,
                claim_expires_at=None,
                review_unseen=True,
            )
        except EvidenceRefused:
            raise ReviewRefused(
                "You no longer hold the claim on this submission: claim it again to review."
            ) from None
        result = Review.objects.create(
            round=round,
            mentor=mentor,
            verdict=verdict,
            feedback=feedback,
            rubric=rubric,
            created_at=now,
            waited=(now - round.submitted_at) if round.submitted_at else None,
        )
        ReviewScore.objects.bulk_create(
            ReviewScore(
                review=result,
                criterion=criterion,
                level=chosen[criterion.pk],
                score=chosen[criterion.pk].score,
                pass_score=criterion.pass_score,
            )
            for criterion in criteria
        )
        if target == State.APPROVED:
            transaction.on_commit(
                partial(
                    approvals.on_evidence_approved,
                    learner_id=submission.learner_id,
                    phase_id=submission.phase_id,
                )
            )
    return result


# --- The promise ----------------------------------------------------------------------------


def escalate_overdue_submissions(*, now: datetime | None = None) -> list[int]:
    """Escalate every waiting round older than the review promise; return their submissions.

    An escalated submission is offered to every mentor of its track (whoever it is assigned
    to); the reminder sweep tells staff (kind `evidence_waiting`). Each round is escalated
    once: a conditional UPDATE on `escalated_at` and a unique Escalation per round. Safe twice
    and concurrently.
    """
    now = _now(now)
    deadline = now - timedelta(hours=settings.EVIDENCE_REVIEW_PROMISE_HOURS)
    overdue = Q(state__in=Submission.WAITING_STATES, escalated_at=None, submitted_at__lte=deadline)
    escalated: list[int] = []
    for pk in (
        Submission.objects.filter(overdue).order_by("submitted_at").values_list("pk", flat=True)
    ):
        with transaction.atomic():
            if not Submission.objects.filter(overdue, pk=pk).update(escalated_at=now):
                continue  # another worker escalated it, or it was reviewed meanwhile
            round = SubmissionRound.objects.filter(submission_id=pk).order_by("-number").first()
            Escalation.objects.create(submission_id=pk, round=round, escalated_at=now)
        escalated.append(pk)
    return escalated
