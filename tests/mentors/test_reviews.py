"""Reviews: the rubric's pass rule, verdicts, the learner told, the gate hook after commit."""

from unittest import mock

import pytest
from django.core import mail

from mentors import services
from mentors.models import Review, Submission
from reminders.models import Reminder
from tests.factories import NEWCOMER_IN_UTC, enroll, evidence, fresh_rubric, levels_for

State = Submission.State


def _review(submission, mentor, rubric, verdict, scores, feedback="Clear and well tested."):
    rubric = fresh_rubric(rubric)
    return services.review(
        submission=submission,
        mentor=mentor,
        verdict=verdict,
        feedback=feedback,
        levels=levels_for(rubric, scores),
        rubric=rubric,
    )


def told_by_the_reminders(review) -> str:
    """The learner is not mailed by the review itself: the next reminder sweep tells them
    (kind `evidence_reviewed`, with their preferences and unsubscribe link). Returns the
    subject it would send."""
    from reminders import services as reminders
    from reminders.kinds import registry

    assert mail.outbox == []
    planned = reminders.sweep(dry_run=True).planned
    assert [(p.email, p.kind, p.period) for p in planned] == [
        ("learner@test.example", "evidence_reviewed", f"review-{review.pk}")
    ]
    reminder = Reminder(
        user=review.round.submission.learner,
        kind="evidence_reviewed",
        payload={
            "verdict": review.verdict,
            "submission_id": review.round.submission_id,
            "key_action": "x",
        },
    )
    return registry.get("evidence_reviewed").content(reminder=reminder).subject


def test_failing_criteria_are_those_below_their_pass_level(rubric):
    rubric = fresh_rubric(rubric)
    code, explanation = rubric.criteria.all()
    levels = {c.pk: {lv.score: lv for lv in c.levels.all()} for c in (code, explanation)}
    at_pass = {code.pk: levels[code.pk][2], explanation.pk: levels[explanation.pk][2]}
    one_below = {code.pk: levels[code.pk][3], explanation.pk: levels[explanation.pk][1]}
    assert services.failing_criteria(criteria=[code, explanation], chosen=at_pass) == []
    assert services.failing_criteria(criteria=[code, explanation], chosen=one_below) == [
        explanation
    ]
    assert services.failing_criteria(criteria=[code, explanation], chosen={}) == [
        code,
        explanation,
    ]


def test_it_approves_when_every_criterion_is_at_or_above_its_pass_level(
    claimed, mentor, rubric, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review = _review(claimed, mentor, rubric, "approve", {"Working code": 3, "Explanation": 2})
    claimed.refresh_from_db()
    assert claimed.state == State.APPROVED and claimed.review_unseen
    assert claimed.claimed_by is None
    assert sorted(s.score for s in review.scores.all()) == [2, 3]
    assert told_by_the_reminders(review) == "Your evidence was approved"


def test_approval_is_refused_below_a_pass_level_and_the_form_error_names_it(
    claimed, mentor, rubric
):
    with pytest.raises(services.ReviewRefused) as refused:
        _review(claimed, mentor, rubric, "approve", {"Working code": 3, "Explanation": 1})
    errors = refused.value.errors
    assert "every criterion at or above its pass level" in errors["__all__"][0]
    assert len([k for k in errors if k.startswith("criterion_")]) == 1
    claimed.refresh_from_db()
    assert claimed.state == State.IN_REVIEW and not Review.objects.exists()


def test_requesting_changes_needs_feedback_and_every_score(claimed, mentor, rubric):
    rubric = fresh_rubric(rubric)
    with pytest.raises(services.ReviewRefused) as refused:
        services.review(
            submission=claimed,
            mentor=mentor,
            verdict="request_changes",
            feedback=" ",
            levels={},
            rubric=rubric,
        )
    assert set(refused.value.errors) == {
        "feedback",
        *(f"criterion_{c.pk}" for c in rubric.criteria.all()),
    }


def test_a_mentor_must_hold_the_claim_to_review(submitted, mentor, other_mentor, rubric):
    services.claim(submission=submitted, mentor=other_mentor)
    with pytest.raises(services.ReviewRefused, match="no longer hold the claim"):
        _review(submitted, mentor, rubric, "approve", {"Working code": 2, "Explanation": 2})
    assert not Review.objects.exists()


def test_a_mentor_cannot_review_their_own_submission(mentor, key_action, rubric):
    from tests.factories import evidence

    own = services.submit_evidence(learner=mentor, key_action=key_action, evidence=evidence())
    with pytest.raises(services.ReviewRefused, match="your own work"):
        _review(own, mentor, rubric, "approve", {"Working code": 3, "Explanation": 3})


def test_a_second_review_of_the_same_round_is_refused(claimed, mentor, rubric):
    _review(claimed, mentor, rubric, "request_changes", {"Working code": 1, "Explanation": 1})
    with pytest.raises(services.EvidenceError):
        _review(claimed, mentor, rubric, "approve", {"Working code": 3, "Explanation": 3})
    assert Review.objects.count() == 1


def test_an_approval_calls_the_gate_hook_once_after_commit(
    claimed, mentor, rubric, django_capture_on_commit_callbacks
):
    with mock.patch("mentors.approvals.on_evidence_approved") as hook:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            _review(claimed, mentor, rubric, "approve", {"Working code": 2, "Explanation": 2})
        hook.assert_not_called()  # nothing before commit
        for callback in callbacks:
            callback()
    hook.assert_called_once_with(learner_id=claimed.learner_id, phase_id=claimed.phase_id)


def test_requesting_changes_does_not_call_the_gate_hook(
    claimed, mentor, rubric, django_capture_on_commit_callbacks
):
    with (
        mock.patch("mentors.approvals.on_evidence_approved") as hook,
        django_capture_on_commit_callbacks(execute=True),
    ):
        review = _review(
            claimed, mentor, rubric, "request_changes", {"Working code": 1, "Explanation": 2}
        )
    hook.assert_not_called()
    assert told_by_the_reminders(review) == "A mentor asked for changes to your evidence"


def test_a_phase_without_a_rubric_is_reviewed_on_feedback_alone(claimed, mentor):
    services.review(
        submission=claimed,
        mentor=mentor,
        verdict="approve",
        feedback="Good.",
        levels={},
        rubric=None,
    )
    claimed.refresh_from_db()
    assert claimed.state == State.APPROVED


def test_a_key_action_rubric_wins_over_the_phase_rubric(rubric, key_action):
    from mentors.models import Rubric
    from mentors.selectors import rubric_for

    own = Rubric.objects.create(phase=key_action.phase, key_action=key_action, title="Own")
    assert rubric_for(key_action=key_action, track=key_action.phase.track) == own
    other = key_action.phase.key_actions.get(order=2)
    assert rubric_for(key_action=other, track=other.phase.track) == rubric


def test_an_approval_that_completes_the_gate_unlocks_the_next_phase_once(
    learner, track, key_action, mentor, rubric, django_capture_on_commit_callbacks
):
    from tracks import services as track_services
    from tracks.models import PhaseProgress, ProgressEvent

    track_services.set_gate(phase=key_action.phase, criteria=[("evidence_approved", {})])
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    submission = services.submit_evidence(
        learner=learner, key_action=key_action, evidence=evidence()
    )
    claimed = services.claim(submission=submission, mentor=mentor)
    with django_capture_on_commit_callbacks(execute=True):
        _review(claimed, mentor, rubric, "approve", {"Working code": 2, "Explanation": 2})
    states = enrollment.phase_progress.order_by("phase__order").values_list("state", flat=True)
    assert list(states) == [PhaseProgress.State.MASTERED, PhaseProgress.State.UNLOCKED]
    assert ProgressEvent.objects.filter(kind="unlocked").count() == 1
    snapshot = ProgressEvent.objects.get(kind="mastered").snapshot
    assert snapshot["criteria"][0]["evidence"]["approved_submissions"] == [submission.pk]
