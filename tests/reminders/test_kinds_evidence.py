"""The evidence reminder kinds against real rows: a review announced to its learner, and
evidence waiting past the promise told to mentors, staff after escalation, or the fallback
reviewers. Dates as in tests/reminders/due.py."""

import pytest

from mentors.models import Review, Submission
from reminders.models import KindOptOut
from tests.factories import (
    finish,
    learning_track,
    make_mentor,
    reviewed,
    sent_evidence,
    utc,
)
from tests.reminders.due import due

pytestmark = pytest.mark.django_db


# --- Evidence reviewed ----------------------------------------------------------------------


def test_a_review_is_announced_to_its_learner_at_any_hour_for_a_week(
    learner, enrollment, mentor, action
):
    submission = sent_evidence(learner, action, at=utc(2026, 11, 20, 10))
    review = reviewed(submission, mentor, at=utc(2026, 11, 21, 2), verdict="request_changes")
    three_am = utc(2026, 11, 21, 2, 5)
    assert due("evidence_reviewed", three_am) == {
        learner.pk: (
            f"review-{review.pk}",
            {
                "verdict": "request_changes",
                "submission_id": submission.pk,
                "key_action": action.text,
            },
        )
    }
    assert due("evidence_reviewed", utc(2026, 11, 28, 3)) == {}  # more than a week later


def test_the_approval_that_finishes_a_track_is_still_announced(learner, enrollment, mentor, action):
    submission = sent_evidence(learner, action, at=utc(2026, 11, 20, 10))
    reviewed(submission, mentor, at=utc(2026, 11, 21, 10), verdict=Review.Verdict.APPROVE)
    finish(enrollment, at=utc(2026, 11, 21, 10))
    assert learner.pk in due("evidence_reviewed", utc(2026, 11, 21, 10, 5))


def test_a_learner_who_turned_reviews_off_is_not_told(learner, enrollment, mentor, action):
    submission = sent_evidence(learner, action, at=utc(2026, 11, 20))
    reviewed(submission, mentor, at=utc(2026, 11, 21), verdict="approve")
    assert learner.pk in due("evidence_reviewed", utc(2026, 11, 21, 1))
    KindOptOut.objects.create(user=learner, kind="evidence_reviewed", source="unsubscribe")
    assert due("evidence_reviewed", utc(2026, 11, 21, 1)) == {}


# --- Evidence waiting -----------------------------------------------------------------------


@pytest.fixture
def waiting(learner, action):
    """Evidence sent on Friday 20 November at 10:00 UTC: the 48 h promise ends Sunday 10:00."""
    return sent_evidence(learner, action, at=utc(2026, 11, 20, 10))


def test_evidence_past_the_promise_goes_to_the_mentors_of_its_track(
    waiting, mentor, learner, track
):
    other_mentor = make_mentor("other-mentor@test.example", track)
    elsewhere = make_mentor("elsewhere@test.example", learning_track())
    retired = make_mentor("retired@test.example", track)
    retired.mentor_profile.is_active = False
    retired.mentor_profile.save()
    assert due("evidence_waiting", utc(2026, 11, 22, 9, 59)) == {}
    after = due("evidence_waiting", utc(2026, 11, 22, 10, 1))
    # Not the mentor of another track, nor a mentor who stopped, nor the learner.
    assert set(after) == {mentor.pk, other_mentor.pk}
    round_id = waiting.rounds.get().pk
    assert after[mentor.pk][0] == f"round-{round_id}"
    assert after[mentor.pk][1]["audience"] == "mentors"
    assert elsewhere.pk not in after and retired.pk not in after and learner.pk not in after


def test_after_escalation_staff_are_told_too(learner, action, mentor, staff):
    escalated = sent_evidence(learner, action, at=utc(2026, 11, 20, 10), escalated=True)
    round_id = escalated.rounds.get().pk
    after = due("evidence_waiting", utc(2026, 11, 22, 10, 20))
    assert after[mentor.pk][0] == f"round-{round_id}"
    assert after[staff.pk] == (
        f"round-{round_id}-escalated",
        {
            "submission_id": escalated.pk,
            "submitted_at": "2026-11-20T10:00:00+00:00",
            "key_action": action.text,
            "phase": "Phase 1 · Phase 1",
            "track": "AI Engineering",
            "audience": "admins",
        },
    )


def test_evidence_a_mentor_is_reviewing_now_is_not_reminded(waiting, mentor):
    Submission.objects.filter(pk=waiting.pk).update(
        state="in_review", claimed_by=mentor, claim_expires_at=utc(2026, 11, 22, 10, 30)
    )
    assert due("evidence_waiting", utc(2026, 11, 22, 10, 10)) == {}
    assert mentor.pk in due("evidence_waiting", utc(2026, 11, 22, 10, 40))  # claim lapsed


def test_a_mentor_is_never_reminded_of_their_own_evidence(action, track, mentor):
    mentor_and_learner = make_mentor("both@test.example", track)
    sent_evidence(mentor_and_learner, action, at=utc(2026, 11, 20, 10))
    assert set(due("evidence_waiting", utc(2026, 11, 22, 11))) == {mentor.pk}


def test_reviewed_evidence_is_no_longer_waiting(waiting, mentor):
    reviewed(waiting, mentor, at=utc(2026, 11, 22, 9), verdict="approve")
    assert due("evidence_waiting", utc(2026, 11, 22, 11)) == {}


def test_evidence_on_a_track_no_mentor_covers_goes_to_the_fallback_reviewers(
    waiting, learner, staff
):
    from mentors.services import make_fallback_reviewer

    fallback = make_fallback_reviewer(user=staff).user
    after = due("evidence_waiting", utc(2026, 11, 22, 10, 1))
    # Nobody covers the track: the staff reviewer of last resort is told as its mentor.
    assert set(after) == {fallback.pk}
    assert after[fallback.pk][1]["audience"] == "mentors"
