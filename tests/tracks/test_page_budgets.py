"""Query budgets of the plan pages that had none: goals, settings, "why is this open?" and the
gate fragment. Each page is read twice, for a learner with a short history and again after
a long one (attempts, card reviews, ticks, evidence, progress events): the count must not
grow with what the learner has done."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AttemptFactory,
    build_deck,
    build_quiz,
    build_track,
    card_reviews,
    criterion,
    due_cards,
    enroll,
    master_first_phase,
    sent_evidence,
    set_gate,
)
from tracks import progression
from tracks.models import ProgressEvent

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def track(db):
    """Two phases, each with a quiz, a deck and a full study gate; phase 1 already mastered
    (so "why is this open?" has a trail) and phase 2 open (so the gate has criteria)."""
    track = build_track(phases=2, actions_per_phase=2)
    for phase in track.phases.all():
        phase.key_actions.filter(order=1).update(needs_evidence=True)
        build_quiz(phase=phase, per_attempt=3)
        build_deck(phase=phase, cards=4)
        set_gate(
            phase,
            ("quiz_score", {}),
            ("skill_mastery", {}),
            ("card_retention", {}),
            ("evidence_approved", {}),
            ("key_actions_done", {}),
        )
    return track


@pytest.fixture
def owner(client, learner, track):
    enrollment = enroll(learner, track)
    master_first_phase(enrollment, track, criterion("quiz_score", "90%", "80%"))
    client.force_login(learner)
    client.enrollment = enrollment
    return client


def add_history(learner, enrollment, track, *, times: int) -> None:
    """`times` of each thing a learner leaves behind, on both phases."""
    now = timezone.now()
    for phase in track.phases.all():
        for n in range(times):
            AttemptFactory(learner=learner, quiz=phase.quiz, started_at=now - timedelta(hours=n))
        due_cards(learner, phase.deck, count=4, due=now - timedelta(days=1))
        card_reviews(learner, phase.deck, count=times, at=now - timedelta(days=2))
        for action in phase.key_actions.filter(needs_evidence=True):
            sent_evidence(learner, action, at=now - timedelta(days=1))
        for _ in range(times):
            ProgressEvent.objects.create(
                enrollment=enrollment,
                phase=phase,
                kind=ProgressEvent.Kind.GATE_CHANGED,
                snapshot={"before": [criterion("quiz_score", "1", "2")], "after": []},
            )
    enrollment.key_action_progress.update(ticked_at=now)


def count(client, url: str, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, response
    return len(captured.captured_queries)


def pages(owner, track) -> dict[str, tuple[str, dict]]:
    phase1 = track.phases.get(order=1)
    return {
        "goals": (reverse("plan:goals"), {}),
        "settings": (reverse("plan:settings"), {}),
        "why-open": (reverse("plan:why_open", args=[phase1.pk]), {}),
        "gate": (reverse("plan:gate") + f"?shown={phase1.pk + 1}", HTMX),
    }


# The budget of each page, as measured, with what each query is for.
BUDGETS = {
    # session, user, bell; active enrollment; the form: published tracks, the track's skills,
    # the track choices, the skill choices
    "goals": 8,
    # session, user, bell; calendar feed, enrollments with their tracks
    "settings": 5,
    # session, user, bell; the mastered phase's progress, its events
    "why-open": 5,
    # session, user; active enrollment, open phase, its criteria; one query per criterion
    # kind (attempts, skills, mastery events, cards, reviews, submissions, ticks); a next
    # phase?
    "gate": 13,
}


@pytest.mark.parametrize("page", list(BUDGETS))
def test_the_plan_pages_have_a_budget_whatever_the_history(
    owner, learner, track, page, django_assert_max_num_queries
):
    url, extra = pages(owner, track)[page]
    count(owner, url, **extra)  # a first read warms what is cached per process
    # Both reads evaluate the gate afresh, as after any new evidence (add_history moves the
    # learner's evidence version too): a cached report would hide what the gate costs.
    progression.evidence_changed(learner_id=learner.pk)
    short = count(owner, url, **extra)
    add_history(learner, owner.enrollment, track, times=12)
    with django_assert_max_num_queries(BUDGETS[page]):
        long = count(owner, url, **extra)
    assert long == short
