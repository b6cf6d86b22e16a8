"""Property: over any sequence of learner actions, a phase opens exactly when its gate is met.

Actions are what a learner can do alone: quiz attempts with random answers (refused once
fresh questions run out), flashcard reviews with random ratings (refused when not due),
ticks and unticks, submissions that no mentor approved.
"""

import contextlib
import itertools

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentors.models import Submission
from quizzes import services as quiz_services
from tests.factories import (
    NEWCOMER_IN_UTC,
    build_deck,
    build_quiz,
    build_track,
    enroll,
    verified_user,
)
from tracks import progression, services
from tracks.models import KeyActionProgress, PhaseProgress

_emails = itertools.count()

ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("attempt"), st.lists(st.booleans(), min_size=3, max_size=3)),
        st.tuples(st.just("review"), st.integers(min_value=1, max_value=4)),
        st.tuples(st.just("tick"), st.booleans()),
        st.tuples(st.just("submit"), st.none()),
    ),
    max_size=12,
)


@pytest.fixture
def gated_track(db):
    track = build_track(phases=3, actions_per_phase=1)
    phase1 = track.phases.get(order=1)
    phase1.key_actions.update(needs_evidence=True)
    build_quiz(phase=phase1, per_attempt=3, cooldown_minutes=0)
    build_deck(phase=phase1, cards=2)
    return track


def act(learner, enrollment, phase, action, value):
    if action == "attempt":
        try:
            attempt = quiz_services.start_attempt(learner=learner, quiz=phase.quiz)
        except quiz_services.LearningRefused:  # no fresh questions left: a refusal, no change
            return
        answers = {}
        for response, right in zip(
            attempt.responses.select_related("question"), value, strict=False
        ):
            choices = response.question.choices.all()
            picked = [c.pk for c in choices if c.correct == right][:1]
            answers[response.order] = quiz_services.Answer(selected=picked, text="")
        quiz_services.save_answers(attempt=attempt, answers=answers)
        quiz_services.grade_attempt(attempt=attempt)
    elif action == "review":
        card = phase.deck.cards.first()
        state = card.states.filter(learner=learner).first()
        with contextlib.suppress(quiz_services.LearningRefused):  # not due yet
            quiz_services.review_card(
                learner=learner, card=card, rating=value, expected_reps=state.reps if state else 0
            )
    elif action == "tick":
        progress = KeyActionProgress.objects.get(enrollment=enrollment, key_action__phase=phase)
        with contextlib.suppress(services.PhaseNotOpen):  # ticking a closed phase is refused
            services.set_key_action_done(progress=progress, done=value)
    else:
        action_obj = phase.key_actions.first()
        Submission.objects.get_or_create(
            learner=learner,
            key_action=action_obj,
            defaults={
                "phase": phase,
                "track": phase.track,
                "state": Submission.State.SUBMITTED,
                "submitted_at": timezone.now(),
            },
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "gate",
    [
        [("quiz_score", {"threshold": 67}), ("key_actions_done", {})],
        [("quiz_score", {}), ("card_retention", {}), ("evidence_approved", {})],
    ],
    ids=["quiz-and-ticks", "needs-a-mentor"],
)
def test_a_phase_opens_exactly_when_its_gate_is_met(gated_track, gate):
    phase1 = gated_track.phases.get(order=1)
    services.set_gate(phase=phase1, criteria=gate)

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(actions=ACTIONS)
    def run(actions):
        learner = verified_user(f"prop{next(_emails)}@test.example")
        enrollment = enroll(learner, gated_track, **NEWCOMER_IN_UTC)
        for action, value in actions:
            was_open = _phase2_open(enrollment)
            act(learner, enrollment, phase1, action, value)
            progression.advance(enrollment=enrollment)
            report = progression.evaluate_phase(enrollment=enrollment, phase=phase1)
            if not was_open:
                # Opened now if and only if the gate is met now.
                assert _phase2_open(enrollment) == report.met
            else:
                assert _phase2_open(enrollment)  # nothing re-locks
        if gate[-1][0] == "evidence_approved":
            assert not _phase2_open(enrollment)  # no mentor approved anything

    run()


def _phase2_open(enrollment) -> bool:
    return (
        PhaseProgress.objects.filter(enrollment=enrollment, phase__order=2)
        .exclude(state=PhaseProgress.State.LOCKED)
        .exists()
    )
