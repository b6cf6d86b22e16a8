"""The rules of evidence: submitting, the state machine, claims, reviews and the promise.

Every change of `Submission.state` goes through `_move`, a conditional UPDATE that names the
states a transition may start from: an illegal transition is refused with `IllegalTransition`,
and two requests racing for the same transition cannot both win. Side effects (emails, the
gate hook) run after commit.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from mentors import gate, selectors
from mentors.ai import services as ai_services
from mentors.models import (
    Escalation,
    MentorProfile,
    Review,
    ReviewScore,
    Rubric,
    RubricCriterion,
    RubricLevel,
    Submission,
    SubmissionFile,
    SubmissionRound,
)
from mentors.prechecks import Checker, blocking_failures, check_url, default_checker
from mentors.uploads import file_problems
from tracks.models import KeyAction
from tracks.progression import evidence_changed
from tracks.selectors import phase_access
from tracks.services import record_study

State = Submission.State

# Which states each state may move to. Anything else is an illegal transition.
TRANSITIONS: dict[str, set[str]] = {
    State.DRAFT: {State.SUBMITTED, State.WITHDRAWN},
    State.SUBMITTED: {State.IN_REVIEW, State.WITHDRAWN},
    State.IN_REVIEW: {
        State.IN_REVIEW,  # a claim extended, or an expired one taken over
        State.SUBMITTED,  # a claim released
        State.CHANGES_REQUESTED,
        State.APPROVED,
        State.WITHDRAWN,
    },
    State.CHANGES_REQUESTED: {State.SUBMITTED, State.WITHDRAWN},
    State.APPROVED: set(),
    State.WITHDRAWN: set(),
}


class EvidenceError(Exception):
    """A refused action, with a sentence for the person who tried it."""

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {"__all__": [message]})


class IllegalTransition(EvidenceError):
    def __init__(self, *, current: str, target: str):
        labels = dict(State.choices)
        super().__init__(
            f"A submission that is {labels[current].lower()} cannot become "
            f"{labels[target].lower()}."
        )
        self.current = current
        self.target = target


class EvidenceRefused(EvidenceError):
    pass


class ClaimRefused(EvidenceError):
    pass


class ReviewRefused(EvidenceError):
    pass


@dataclass
class Evidence:
    """What a learner sends in one round."""

    url: str
    writeup: str
    note: str = ""
    files: list[UploadedFile] = field(default_factory=list)
    keep_files: bool = True  # on a resubmission: carry the previous round's files over


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _move(submission: Submission, target: str, *, only_if: Q | None = None, **fields) -> None:
    """Move `submission` to `target` if the database agrees it may; update the instance."""
    if target not in TRANSITIONS[submission.state]:
        raise IllegalTransition(current=submission.state, target=target)
    sources = [state for state, targets in TRANSITIONS.items() if target in targets]
    rows = Submission.objects.filter(pk=submission.pk, state__in=sources)
    if only_if is not None:
        rows = rows.filter(only_if)
    fields["updated_at"] = fields.get("updated_at") or timezone.now()
    if not rows.update(state=target, **fields):
        current = Submission.objects.values_list("state", flat=True).get(pk=submission.pk)
        if target not in TRANSITIONS[current] or only_if is None:
            raise IllegalTransition(current=current, target=target)
        raise EvidenceRefused("Someone else changed this submission first: reload the page.")
    submission.state = target
    for name, value in fields.items():
        setattr(submission, name, value)
    evidence_changed(learner_id=submission.learner_id)  # the gate counts states: reports go


# --- Learners -------------------------------------------------------------------------------


def _lock(submission: Submission, *, expected: str, target: str) -> None:
    """Lock the submission's row and check its state in the database, so two requests at
    once (a double click) cannot both add a round: the second sees the new state."""
    current = (
        Submission.objects.select_for_update().values_list("state", flat=True).get(pk=submission.pk)
    )
    if current != expected:
        raise IllegalTransition(current=current, target=target)


def _checks(evidence: Evidence, *, send: bool, checker: Checker | None):
    """The pre-checks of evidence being sent; a draft only needs a safe link (it is shown
    to its author as a link) and may have an empty write-up."""
    if not send:
        return [check_url(evidence.url)]
    return (checker or default_checker())(url=evidence.url, writeup=evidence.writeup)


def _refuse_bad_evidence(evidence: Evidence, checks) -> None:
    errors: dict[str, list[str]] = {}
    problems = file_problems(evidence.files)
    if problems:
        errors["files"] = problems
    for check in blocking_failures(checks):
        errors.setdefault("url" if check.name == "link" else "writeup", []).append(check.message)
    if errors:
        raise EvidenceRefused("Please correct the evidence below.", errors)


def _store_files(round: SubmissionRound, files: list[UploadedFile]) -> None:
    for upload in files:
        SubmissionFile.objects.create(
            round=round,
            file=upload,  # saved through the default storage
            name=upload.name[:200],
            size=upload.size,
            content_type=(upload.content_type or "application/octet-stream")[:100],
        )


def _send_round(
    submission: Submission, round: SubmissionRound, checks, now: datetime
) -> Submission:
    round.submitted_at = now
    round.prechecks = [check.as_dict() for check in checks]
    round.save(update_fields=["submitted_at", "prechecks"])
    record_study(learner_id=submission.learner_id, at=now)
    _move(
        submission,
        State.SUBMITTED,
        submitted_at=now,
        claimed_by=None,
        claim_expires_at=None,
        escalated_at=None,
        review_unseen=False,
    )
    # The round enters the queue: the AI mentor drafts a rubric assessment for its mentor.
    transaction.on_commit(partial(ai_services.queue_pre_review, round_id=round.pk))
    return submission


def submit_evidence(
    *,
    learner: User,
    key_action: KeyAction,
    evidence: Evidence,
    draft: bool = False,
    checker: Checker | None = None,
    now: datetime | None = None,
) -> Submission:
    """Start the learner's submission for `key_action`: sent to mentors, or kept as a draft.

    The key action must need evidence, belong to a published track and, for a learner
    enrolled on that track, to a phase open for them (unlocked or mastered).
    One live submission per learner and key action is a unique constraint: a second call
    is refused with EvidenceRefused, so this is safe to call twice.
    """
    now = _now(now)
    if not key_action.needs_evidence or not key_action.phase.track.is_published:
        raise EvidenceRefused("This key action does not take evidence.")
    if not phase_access(learner=learner, phase=key_action.phase).may_submit_evidence:
        raise EvidenceRefused(
            f"Phase {key_action.phase.order} is still locked: you can submit evidence for it "
            "once it opens."
        )
    checks = _checks(evidence, send=not draft, checker=checker)
    _refuse_bad_evidence(evidence, checks)
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    learner=learner,
                    key_action=key_action,
                    phase=key_action.phase,
                    track=key_action.phase.track,
                    state=State.DRAFT,
                )
        except IntegrityError:
            raise EvidenceRefused(
                "You already have evidence for this key action: open it from My evidence."
            ) from None
        round = SubmissionRound.objects.create(
            submission=submission,
            number=1,
            url=evidence.url,
            writeup=evidence.writeup,
            note=evidence.note,
        )
        _store_files(round, evidence.files)
        if not draft:
            _send_round(submission, round, checks, now)
        else:
            record_study(learner_id=learner.pk, at=now)
    return submission


def update_draft(
    *,
    submission: Submission,
    evidence: Evidence,
    send: bool,
    checker: Checker | None = None,
    now: datetime | None = None,
) -> Submission:
    """Change a draft's only round (drafts were never seen by a mentor) and maybe send it.

    Refused unless the submission is a draft. New files are added to the draft's files.
    """
    now = _now(now)
    if submission.state != State.DRAFT:
        raise IllegalTransition(current=submission.state, target=State.DRAFT)
    checks = _checks(evidence, send=send, checker=checker)
    _refuse_bad_evidence(evidence, checks)
    with transaction.atomic():
        _lock(submission, expected=State.DRAFT, target=State.SUBMITTED if send else State.DRAFT)
        round = submission.rounds.get(number=1)
        round.url, round.writeup, round.note = evidence.url, evidence.writeup, evidence.note
        round.save(update_fields=["url", "writeup", "note"])
        _store_files(round, evidence.files)
        if send:
            _send_round(submission, round, checks, now)
    return submission


def resubmit(
    *,
    submission: Submission,
    evidence: Evidence,
    checker: Checker | None = None,
    now: datetime | None = None,
) -> SubmissionRound:
    """Send a new round after changes were requested. Earlier rounds are never changed.

    Refused (IllegalTransition) unless changes were requested, so a double click sends once.
    """
    now = _now(now)
    if submission.state != State.CHANGES_REQUESTED:
        raise IllegalTransition(current=submission.state, target=State.SUBMITTED)
    checks = (checker or default_checker())(url=evidence.url, writeup=evidence.writeup)
    _refuse_bad_evidence(evidence, checks)
    with transaction.atomic():
        _lock(submission, expected=State.CHANGES_REQUESTED, target=State.SUBMITTED)
        previous = submission.rounds.order_by("-number").first()
        round = SubmissionRound.objects.create(
            submission=submission,
            number=previous.number + 1,
            url=evidence.url,
            writeup=evidence.writeup,
            note=evidence.note,
        )
        if evidence.keep_files:
            SubmissionFile.objects.bulk_create(
                SubmissionFile(
                    round=round,
                    file=f.file.name,
                    name=f.name,
                    size=f.size,
                    content_type=f.content_type,
                )
                for f in previous.files.all()
            )
        _store_files(round, evidence.files)
        _send_round(submission, round, checks, now)
    return round


def withdraw(*, submission: Submission) -> Submission:
    """The learner takes the submission back. Final: a new one can be started afterwards.

    Refused once approved or already withdrawn.
    """
    _move(submission, State.WITHDRAWN, claimed_by=None, claim_expires_at=None)
    return submission


def mark_review_seen(*, submission: Submission) -> None:
    """Clear the learner's "reviewed" flag. Safe twice (a no-op when already clear)."""
    if submission.review_unseen:
        Submission.objects.filter(pk=submission.pk, review_unseen=True).update(review_unseen=False)
        submission.review_unseen = False


# --- Mentors: claims ------------------------------------------------------------------------


def covers_track(profile: MentorProfile, track_id: int) -> bool:
    """Whether `profile` reviews the track: it lists it, or it is a staff fallback reviewer
    and no active mentor covers the track (the rule `selectors.visible_to` applies too)."""
    if profile.tracks.filter(pk=track_id).exists():
        return True
    return (
        profile.is_fallback_reviewer
        and profile.user.is_staff
        and selectors.reviewers_for(track=track_id) != selectors.Reviewers.MENTORS
    )


def _mentor_may_review(mentor: User, submission: Submission) -> MentorProfile:
    profile = MentorProfile.objects.filter(user=mentor, is_active=True).first()
    if profile is None:
        raise ClaimRefused("Only mentors review evidence.")
    profile.user = mentor  # already loaded: spare a query
    if submission.learner_id == mentor.pk:
        raise ClaimRefused("You cannot review your own work.")
    if not covers_track(profile, submission.track_id):
        raise ClaimRefused("This submission belongs to a track you do not cover.")
    return profile


def claim(*, submission: Submission, mentor: User, now: datetime | None = None) -> Submission:
    """Lock `submission` for `mentor` for EVIDENCE_CLAIM_MINUTES; claiming again extends it.

    One conditional UPDATE takes the lock only if the submission is waiting, or its claim
    has expired, or the mentor already holds it: when two mentors claim at once the database
    lets exactly one win. A mentor holds at most EVIDENCE_MAX_CLAIMS_PER_MENTOR live claims
    (their profile row is locked while counting). Safe to call twice (it extends).
    """
    now = _now(now)
    profile = _mentor_may_review(mentor, submission)
    with transaction.atomic():
        MentorProfile.objects.select_for_update().filter(pk=profile.pk).first()
        held = (
            Submission.objects.filter(
                claimed_by=mentor, state=State.IN_REVIEW, claim_expires_at__gt=now
            )
            .exclude(pk=submission.pk)
            .count()
        )
        limit = settings.EVIDENCE_MAX_CLAIMS_PER_MENTOR
        if held >= limit:
            raise ClaimRefused(
                f"You already hold {held} claims (the most at once is {limit}): "
                "review or release one first."
            )
        expires = now + timedelta(minutes=settings.EVIDENCE_CLAIM_MINUTES)
        if submission.state not in (State.SUBMITTED, State.IN_REVIEW):
            raise IllegalTransition(current=submission.state, target=State.IN_REVIEW)
        won = (
            Submission.objects.filter(pk=submission.pk)
            .filter(
                Q(state=State.SUBMITTED)
                | Q(state=State.IN_REVIEW, claim_expires_at__lte=now)
                | Q(state=State.IN_REVIEW, claimed_by=mentor)
            )
            .update(
                state=State.IN_REVIEW, claimed_by=mentor, claim_expires_at=expires, updated_at=now
            )
        )
    if not won:
        submission.refresh_from_db()
        if submission.state == State.IN_REVIEW:
            raise ClaimRefused("Another mentor claimed this submission a moment ago.")
        raise IllegalTransition(current=submission.state, target=State.IN_REVIEW)
    submission.state = State.IN_REVIEW
    submission.claimed_by = mentor
    submission.claim_expires_at = expires
    return submission


def release_claim(*, submission: Submission, mentor: User) -> Submission:
    """Give the submission back to the queue. Refused unless `mentor` holds the claim."""
    released = Submission.objects.filter(
        pk=submission.pk, state=State.IN_REVIEW, claimed_by=mentor
    ).update(
        state=State.SUBMITTED, claimed_by=None, claim_expires_at=None, updated_at=timezone.now()
    )
    if not released:
        raise ClaimRefused("You do not hold a claim on this submission.")
    submission.state, submission.claimed_by, submission.claim_expires_at = (
        State.SUBMITTED,
        None,
        None,
    )
    return submission


def release_expired_claims(*, now: datetime | None = None) -> int:
    """Put submissions whose claim expired back in the queue. One UPDATE; safe twice."""
    now = _now(now)
    return Submission.objects.filter(state=State.IN_REVIEW, claim_expires_at__lte=now).update(
        state=State.SUBMITTED, claimed_by=None, claim_expires_at=None, updated_at=now
    )


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
                    gate.on_evidence_approved,
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


# --- Reviewers of last resort ---------------------------------------------------------------


def make_fallback_reviewer(*, user: User) -> MentorProfile:
    """Make a staff user a fallback reviewer: they review evidence of every track that no
    active mentor covers. Refuses a user who is not staff. Safe twice."""
    if not user.is_staff:
        raise ValidationError(f"{user.email} is not staff: only staff can be fallback reviewers.")
    profile, _ = MentorProfile.objects.update_or_create(
        user=user, defaults={"is_active": True, "is_fallback_reviewer": True}
    )
    return profile
