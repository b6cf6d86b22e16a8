"""The dashboard's query budget for a learner on a real seed track (AI Engineering, its real
gates), and that the count does not grow with the learner's history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentors.models import Submission
from quizzes.models import Attempt, CardState, ReviewLog
from tests.factories import enroll
from tracks import progression
from tracks.models import KeyActionProgress

pytestmark = pytest.mark.django_db

# Measured on the seed's phase 1 gate (quiz score, skill mastery, card retention, approved
# evidence, key actions): session, user (the zone comes from the cache); the page: the
# enrollments, the active one's phase and key action progress rows (the phases, key actions,
# gate labels and resources are the track's content, memoized per process); the gate of the
# open phase: its criteria, the best score, skills (+ their parameters), mastery events,
# cards, card states, evidence, key actions; the next step: the quiz's recent attempts
# (availability); momentum: study days; the bell.
SEED_DASHBOARD_QUERIES = 15


def add_history(learner, phase, *, rounds: int) -> None:
    """`rounds` graded attempts, reviews of every card, evidence sent and ticks, spread over
    past weeks, as a learner who has studied a while leaves them."""
    now = timezone.now()
    cards = list(phase.deck.cards.all())
    for n in range(rounds):
        at = now - timedelta(days=3 * (rounds - n))
        Attempt.objects.create(
            learner=learner,
            quiz=phase.quiz,
            seed=n + 1,
            state=Attempt.State.GRADED,
            started_at=at,
            graded_at=at + timedelta(minutes=20),
            question_count=10,
            correct_count=6,
            score=60,
            passed=False,
        )
        ReviewLog.objects.bulk_create(
            ReviewLog(learner=learner, card=card, rating=3, reviewed_at=at, due_after=at)
            for card in cards
        )
    CardState.objects.bulk_create(
        (
            CardState(
                learner=learner,
                card=card,
                state=CardState.State.REVIEW,
                stability=3.0,
                due=now + timedelta(days=2),
                last_review=now - timedelta(days=1),
            )
            for card in cards
        ),
        ignore_conflicts=True,
    )
    for action in phase.key_actions.filter(needs_evidence=True, submissions__isnull=True):
        Submission.objects.create(
            learner=learner,
            key_action=action,
            phase=phase,
            track=phase.track,
            state=Submission.State.CHANGES_REQUESTED,
            submitted_at=now - timedelta(days=2),
        )
    KeyActionProgress.objects.filter(enrollment__learner=learner).update(ticked_at=now)
    # As every writer of gate input does: the next page evaluates the gate afresh (a cached
    # report would hide what the gate costs).
    progression.evidence_changed(learner_id=learner.pk)


def dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_on_a_seed_track_has_a_query_budget_whatever_the_history(
    client, learner, ai_engineering, django_assert_max_num_queries
):
    enroll(learner, ai_engineering, background="data-scientist")
    phase1 = ai_engineering.phases.get(order=1)
    client.force_login(learner)
    client.get("/")  # the time zone and the session settle on the first page
    progression.evidence_changed(learner_id=learner.pk)
    with django_assert_max_num_queries(SEED_DASHBOARD_QUERIES):
        fresh = client.get("/")
    assert "Continue" in fresh.content.decode()
    progression.evidence_changed(learner_id=learner.pk)
    new_learner = dashboard_queries(client)

    add_history(learner, phase1, rounds=1)
    some_history = dashboard_queries(client)
    add_history(learner, phase1, rounds=12)
    long_history = dashboard_queries(client)
    assert new_learner <= SEED_DASHBOARD_QUERIES
    assert some_history == long_history <= SEED_DASHBOARD_QUERIES
