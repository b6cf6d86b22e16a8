"""Learners' evidence: starting, drafting, sending, resubmitting and withdrawing it.

Sending a round records study time and, after commit, sends `hooks.round_sent` (the AI
mentor drafts its pre-review from it).
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from accounts.models import User
from mentors import hooks
from mentors.models import Submission, SubmissionFile, SubmissionRound
from mentors.prechecks import Checker, blocking_failures, check_url, default_checker
from mentors.services.states import EvidenceRefused, IllegalTransition, _move, _now
from mentors.uploads import file_problems
from tracks.models import KeyAction
from tracks.progression import evidence_changed
from tracks.selectors import phase_access
from tracks.services import record_study

State = Submission.State


@dataclass
class Evidence:
    """What a learner sends in one round."""

    url: str
    writeup: str
    note: str = ""
    files: list[UploadedFile] = field(default_factory=list)
    keep_files: bool = True  # on a resubmission: carry the previous round's files over


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
    # The round enters the queue: other apps hear of it (the AI mentor drafts a pre-review).
    # Robust: the evidence is sent whatever a receiver does.
    transaction.on_commit(
        partial(hooks.round_sent.send_robust, sender=SubmissionRound, round_id=round.pk)
    )
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
                evidence_changed(learner_id=learner.pk)  # a draft is a gate fact too
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
