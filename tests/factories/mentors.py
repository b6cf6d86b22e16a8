"""Mentors and evidence: a mentor of some tracks, what a learner sends, a round sent and
reviewed with the times a test needs, and the levels a mentor picks on a rubric."""

from datetime import datetime, timedelta

from mentors import services as mentor_services
from mentors.models import MentorProfile, Review, Submission, SubmissionRound
from tests.factories.accounts import verified_user
from tracks import services as track_services


def make_mentor(email: str = "mentor@test.example", *tracks, **extra):
    """A verified user who mentors `tracks`."""
    user = verified_user(email, **extra)
    profile = MentorProfile.objects.create(user=user)
    profile.tracks.add(*tracks)
    return user


def evidence(**overrides) -> mentor_services.Evidence:
    """What a learner sends in one round (a link, a write-up and a question for the mentor)."""
    fields = {
        "url": "https://github.com/learner/project",
        "writeup": "I trained a **classifier** and deployed it.",
        "note": "Is my evaluation sound?",
    }
    return mentor_services.Evidence(**{**fields, **overrides})


def submission(learner, key_action, state: str = Submission.State.APPROVED) -> Submission:
    """A submission for `key_action` in `state` (approved by default), sent two days ago."""
    from django.utils import timezone

    return Submission.objects.create(
        learner=learner,
        key_action=key_action,
        phase=key_action.phase,
        track=key_action.phase.track,
        state=state,
        submitted_at=timezone.now() - timedelta(days=2),
    )


def sent_evidence(learner, key_action, *, at: datetime, escalated: bool = False) -> Submission:
    """A submission of one round sent to mentors at `at` and still waiting."""
    submission = Submission.objects.create(
        learner=learner,
        key_action=key_action,
        phase=key_action.phase,
        track=key_action.phase.track,
        state=Submission.State.SUBMITTED,
        submitted_at=at,
        escalated_at=at + timedelta(hours=48) if escalated else None,
    )
    SubmissionRound.objects.create(
        submission=submission, number=1, writeup="My work.", submitted_at=at
    )
    SubmissionRound.objects.filter(submission=submission).update(created_at=at)
    track_services.record_study(learner_id=learner.pk, at=at)
    return submission


def reviewed(submission: Submission, mentor, *, at: datetime, verdict: str) -> Review:
    """The current round of `submission` reviewed by `mentor` at `at`."""
    state = (
        Submission.State.APPROVED
        if verdict == Review.Verdict.APPROVE
        else Submission.State.CHANGES_REQUESTED
    )
    Submission.objects.filter(pk=submission.pk).update(state=state, review_unseen=True)
    round = submission.rounds.order_by("-number").first()
    return Review.objects.create(
        round=round, mentor=mentor, verdict=verdict, feedback="Well argued.", created_at=at
    )


def levels_for(rubric, score_by_title) -> dict[int, int]:
    """{criterion id: level id} choosing, for each criterion, the level with that score."""
    chosen = {}
    for criterion in rubric.criteria.all():
        level = criterion.levels.get(score=score_by_title[criterion.title])
        chosen[criterion.pk] = level.pk
    return chosen


def fresh_rubric(rubric):
    """The rubric as the pages read it (criteria and levels prefetched), re-read now."""
    from mentors.selectors import rubric_for

    return rubric_for(key_action=rubric.phase.key_actions.get(order=1), track=rubric.phase.track)
