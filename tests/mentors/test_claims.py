"""Claims: a lock for 30 minutes, extendable, at most a few at once, one winner."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from mentors import services
from mentors.models import Submission
from tests.factories import build_track, evidence, make_mentor, verified_user

State = Submission.State


def test_a_mentor_claims_a_waiting_submission_for_thirty_minutes(submitted, mentor):
    now = timezone.now()
    services.claim(submission=submitted, mentor=mentor, now=now)
    submitted.refresh_from_db()
    assert submitted.state == State.IN_REVIEW
    assert submitted.claimed_by == mentor
    assert submitted.claim_expires_at == now + timedelta(minutes=30)


def test_claiming_again_extends_the_claim(claimed, mentor):
    later = timezone.now() + timedelta(minutes=20)
    services.claim(submission=claimed, mentor=mentor, now=later)
    claimed.refresh_from_db()
    assert claimed.claim_expires_at == later + timedelta(minutes=30)


def test_another_mentor_cannot_take_a_live_claim(claimed, mentor, other_mentor):
    with pytest.raises(services.ClaimRefused, match="Another mentor"):
        services.claim(submission=claimed, mentor=other_mentor)
    claimed.refresh_from_db()
    assert claimed.claimed_by == mentor


def test_an_expired_claim_can_be_taken(claimed, other_mentor):
    later = timezone.now() + timedelta(minutes=31)
    services.claim(submission=claimed, mentor=other_mentor, now=later)
    claimed.refresh_from_db()
    assert claimed.claimed_by == other_mentor


def test_expired_claims_go_back_to_the_queue_once(claimed):
    later = timezone.now() + timedelta(minutes=31)
    assert services.release_expired_claims(now=later) == 1
    assert services.release_expired_claims(now=later) == 0
    claimed.refresh_from_db()
    assert claimed.state == State.SUBMITTED and claimed.claimed_by is None


def test_a_mentor_releases_their_claim_but_not_another_ones(claimed, mentor, other_mentor):
    with pytest.raises(services.ClaimRefused):
        services.release_claim(submission=claimed, mentor=other_mentor)
    services.release_claim(submission=claimed, mentor=mentor)
    claimed.refresh_from_db()
    assert claimed.state == State.SUBMITTED


def test_a_mentor_holds_at_most_a_few_claims(settings, track, mentor):
    settings.EVIDENCE_MAX_CLAIMS_PER_MENTOR = 2
    action = track.phases.get(order=1).key_actions.get(order=1)
    submissions = [
        services.submit_evidence(
            learner=verified_user(f"l{i}@test.example"), key_action=action, evidence=evidence()
        )
        for i in range(3)
    ]
    services.claim(submission=submissions[0], mentor=mentor)
    services.claim(submission=submissions[1], mentor=mentor)
    with pytest.raises(services.ClaimRefused, match="at once is 2"):
        services.claim(submission=submissions[2], mentor=mentor)
    services.claim(submission=submissions[0], mentor=mentor)  # extending one still works


def test_a_mentor_never_claims_their_own_work(mentor, key_action):
    own = services.submit_evidence(learner=mentor, key_action=key_action, evidence=evidence())
    with pytest.raises(services.ClaimRefused, match="your own work"):
        services.claim(submission=own, mentor=mentor)


def test_a_mentor_cannot_claim_outside_their_tracks(submitted):
    elsewhere = make_mentor("elsewhere@test.example", build_track(phases=1, actions_per_phase=1))
    with pytest.raises(services.ClaimRefused, match="track you do not cover"):
        services.claim(submission=submitted, mentor=elsewhere)


def test_a_learner_who_is_not_a_mentor_cannot_claim(submitted, stranger):
    with pytest.raises(services.ClaimRefused, match="Only mentors"):
        services.claim(submission=submitted, mentor=stranger)


@pytest.mark.django_db(transaction=True)
def test_two_mentors_claiming_at_once_on_postgresql_one_wins(
    learner, key_action, mentor, other_mentor
):
    assert connection.vendor == "postgresql"
    submission = services.submit_evidence(
        learner=learner, key_action=key_action, evidence=evidence()
    )
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim_as(user):
        try:
            copy = Submission.objects.get(pk=submission.pk)  # each thread: its own connection
            barrier.wait()
            services.claim(submission=copy, mentor=user)
            outcomes[user.email] = "won"
        except services.ClaimRefused:
            outcomes[user.email] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=claim_as, args=(user,)) for user in (mentor, other_mentor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["refused", "won"]
    winner = next(email for email, outcome in outcomes.items() if outcome == "won")
    assert Submission.objects.get(pk=submission.pk).claimed_by.email == winner
