"""Gate criteria: each kind met and unmet at its boundaries, and the authoring refusals
(the track, phase1 and quiz fixtures are in conftest.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mentors.models import Submission
from quizzes.models import CardState, ReviewLog
from tests.factories import (
    NEWCOMER_IN_UTC,
    build_deck,
    enroll,
    graded_attempt,
    set_gate,
    submission,
)
from tracks import gates, progression, services
from tracks.models import (
    Enrollment,
    GateCriterion,
    KeyActionProgress,
    PhaseProgress,
)

State = PhaseProgress.State


# --- Each kind at its boundary --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("best", "met"), [(79, False), (80, True)])
def test_quiz_score_is_met_at_the_threshold_and_not_below(learner, track, phase1, quiz, best, met):
    set_gate(phase1, ("quiz_score", {"threshold": 80}), ("key_actions_done", {}))
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    graded_attempt(learner, quiz, 40)
    graded_attempt(learner, quiz, best)
    result = progression.evaluate(enrollment=enrollment).results[0]
    assert result.met is met
    assert result.sentence.startswith(f"Best {best} %, needs 80 %")


@pytest.mark.django_db
def test_quiz_score_says_when_there_is_no_attempt_yet(learner, track, phase1, quiz):
    set_gate(phase1, ("quiz_score", {}))
    result = progression.evaluate(enrollment=enroll(learner, track, **NEWCOMER_IN_UTC)).results[0]
    assert not result.met
    assert result.sentence == "No graded attempt yet: the quiz needs 80 %."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "count", "met"),
    [(Submission.State.APPROVED, 1, True), (Submission.State.SUBMITTED, 1, False)],
)
def test_evidence_counts_approved_work_only_never_work_waiting_for_review(
    learner, track, phase1, state, count, met
):
    set_gate(phase1, ("evidence_approved", {"count": count}))
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    submission(learner, phase1.key_actions.get(order=1), state=state)
    result = progression.evaluate(enrollment=enrollment).results[0]
    assert result.met is met
    if not met:
        assert "1 waiting for review since" in result.sentence


@pytest.mark.django_db
def test_key_actions_done_needs_every_tick(learner, track, phase1, quiz):
    set_gate(phase1, ("quiz_score", {}), ("key_actions_done", {}))
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    KeyActionProgress.objects.filter(
        enrollment=enrollment, key_action__phase=phase1, key_action__order=1
    ).update(ticked_at=timezone.now())
    result = progression.evaluate(enrollment=enrollment).results[1]
    assert (result.met, result.current) == (False, "1 of 2")
    KeyActionProgress.objects.filter(enrollment=enrollment).update(ticked_at=timezone.now())
    assert progression.evaluate(enrollment=enrollment).results[1].met


def reviewed(learner, card, *, at, rating=3, first=False):
    return ReviewLog.objects.create(
        learner=learner,
        card=card,
        rating=rating,
        reviewed_at=at,
        due_after=at,
        state_before=None if first else CardState.State.REVIEW,
    )


def in_review(learner, card, *, at, state=CardState.State.REVIEW):
    CardState.objects.create(
        learner=learner, card=card, state=state, stability=30, difficulty=5, due=at, reps=3
    )


@pytest.mark.django_db
def test_card_retention_counts_recalls_that_came_weeks_after_the_review_before(
    learner, track, phase1, quiz
):
    deck = build_deck(phase=phase1, cards=5)
    set_gate(phase1, ("quiz_score", {}), ("card_retention", {"share": 80}))
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    now = timezone.now()
    Enrollment.objects.filter(pk=enrollment.pk).update(created_at=now - timedelta(days=60))
    enrollment.refresh_from_db()
    cards = list(deck.cards.all())
    for card in cards:
        in_review(learner, card, at=now + timedelta(days=40))
    for card in cards[:3]:  # recalled 21 days after the review before: retained
        reviewed(learner, card, at=now - timedelta(days=21), first=True)
        reviewed(learner, card, at=now)
    # Recalled 20 days after: one day short of what the criterion measures.
    reviewed(learner, cards[3], at=now - timedelta(days=20), first=True)
    reviewed(learner, cards[3], at=now)
    # A 30-day gap, but it ended in Again: not recalled.
    reviewed(learner, cards[4], at=now - timedelta(days=30), first=True)
    reviewed(learner, cards[4], at=now, rating=1)
    result = progression.evaluate(enrollment=enrollment).results[1]
    assert (result.met, result.current, result.required) == (
        False,
        "3 of 5 cards",
        "4 cards (80 %)",
    )
    assert result.label == "Flashcards recalled after 21+ days"
    reviewed(learner, cards[3], at=now + timedelta(days=21))
    assert progression.evaluate(enrollment=enrollment).results[1].met


@pytest.mark.django_db
def test_a_card_that_lapsed_since_its_recall_is_not_retained(learner, track, phase1, quiz):
    deck = build_deck(phase=phase1, cards=1)
    set_gate(phase1, ("quiz_score", {}), ("card_retention", {"share": 100}))
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    now = timezone.now()
    Enrollment.objects.filter(pk=enrollment.pk).update(created_at=now - timedelta(days=60))
    enrollment.refresh_from_db()
    card = deck.cards.get()
    in_review(learner, card, at=now, state=CardState.State.RELEARNING)
    reviewed(learner, card, at=now - timedelta(days=30), first=True)
    reviewed(learner, card, at=now - timedelta(days=5))
    assert not progression.evaluate(enrollment=enrollment).results[1].met


@pytest.mark.django_db
def test_skill_mastery_names_the_weakest_skill(learner, track, phase1):
    from quizzes import services as quiz_services
    from quizzes.models import SkillMastery
    from tests.factories import QuizFactory, SkillFactory, single

    docker, python = SkillFactory(name="Docker"), SkillFactory(name="Python")
    quiz = QuizFactory(phase=phase1, questions_per_attempt=8)
    for skill in (python, docker):
        for _ in range(4):
            single(quiz, skills=[skill])
    set_gate(phase1, ("skill_mastery", {}))
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    attempt = quiz_services.start_attempt(learner=learner, quiz=quiz)
    answers = {}
    for response in attempt.responses.select_related("question").prefetch_related(
        "question__choices", "question__skills"
    ):
        is_python = python in response.question.skills.all()
        # Python: all right. Docker: two right, two wrong.
        right = is_python or response.question.key < max(
            quiz.questions.filter(skills=docker).values_list("key", flat=True)[:2]
        )
        choice = next(c for c in response.question.choices.all() if c.correct is bool(right))
        answers[response.order] = quiz_services.Answer([choice.pk], "")
    quiz_services.save_answers(attempt=attempt, answers=answers)
    quiz_services.grade_attempt(attempt=attempt)
    result = progression.evaluate(enrollment=enrollment).results[0]
    assert not result.met
    docker_p = SkillMastery.objects.get(learner=learner, skill=docker).p_known
    assert docker_p < 0.95
    # The window's replay is the running estimate when all the evidence is in the window.
    assert result.sentence == f"1 of 2 skills mastered: Docker is at {docker_p:.2f}."


# --- Authoring refusals ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_gate_of_self_reported_criteria_only_is_refused(phase1):
    problems = gates.gate_problems(phase1, [("key_actions_done", {})])
    assert any("self-reported" in p for p in problems)


@pytest.mark.django_db
def test_a_criterion_on_a_quiz_or_deck_the_phase_does_not_have_is_refused(phase1):
    problems = gates.gate_problems(phase1, [("quiz_score", {}), ("card_retention", {})])
    assert any("has no quiz" in p for p in problems)
    assert any("has no flashcard deck" in p for p in problems)


@pytest.mark.django_db
def test_unknown_kinds_and_bad_parameters_are_refused_with_the_reason(phase1, quiz):
    assert "unknown criterion kind 'quizz'" in gates.gate_problems(phase1, [("quizz", {})])[0]
    problem = gates.gate_problems(phase1, [("quiz_score", {"threshold": 120})])[0]
    assert problem == "quiz_score: threshold 120 is outside 1-100."
    problem = gates.gate_problems(phase1, [("quiz_score", {"treshold": 80})])[0]
    assert "unknown parameter 'treshold'" in problem


@pytest.mark.django_db
def test_a_track_cannot_be_published_with_a_gateless_phase_but_the_last(
    track, phase1, quiz, fallback_reviewer
):
    assert len(services.publish_problems(track=track)) == 2
    set_gate(phase1, ("quiz_score", {}))
    set_gate(track.phases.get(order=2), ("evidence_approved", {}))
    assert services.publish_problems(track=track) == []


def test_gate_criteria_rows_are_per_kind_once():
    constraint = {c.name for c in GateCriterion._meta.constraints}
    assert "gate_criterion_kind_once" in constraint
