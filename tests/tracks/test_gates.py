"""The gate: criteria met and unmet at their boundaries, authoring refusals, and `advance`."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from mentors.models import Submission
from quizzes.models import Attempt, CardState, ReviewLog
from tests.factories import build_deck, build_quiz, build_track, enroll, phase_states, set_gate
from tracks import gates, progression, services
from tracks.models import (
    Enrollment,
    GateCriterion,
    KeyActionProgress,
    PhaseProgress,
    ProgressEvent,
)

State = PhaseProgress.State


# Goals whose background covers no phase, in UTC (the gate tests count days in UTC).
NEWCOMER = {"background": "newcomer", "time_zone": "UTC"}


def graded(learner, quiz, score):
    return Attempt.objects.create(
        learner=learner,
        quiz=quiz,
        seed=1,
        state=Attempt.State.GRADED,
        graded_at=timezone.now(),
        question_count=10,
        correct_count=score // 10,
        score=score,
        passed=score >= quiz.pass_mark,
    )


def approved(learner, key_action, state=Submission.State.APPROVED):
    return Submission.objects.create(
        learner=learner,
        key_action=key_action,
        phase=key_action.phase,
        track=key_action.phase.track,
        state=state,
        submitted_at=timezone.now() - timedelta(days=2),
    )


@pytest.fixture
def track(db):
    track = build_track(phases=3, actions_per_phase=2)
    for phase in track.phases.all():
        phase.key_actions.filter(order=1).update(needs_evidence=True)
    return track


@pytest.fixture
def phase1(track):
    return track.phases.get(order=1)


@pytest.fixture
def quiz(phase1):
    return build_quiz(phase=phase1, per_attempt=3)


# --- Each kind at its boundary --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("best", "met"), [(79, False), (80, True)])
def test_quiz_score_is_met_at_the_threshold_and_not_below(learner, track, phase1, quiz, best, met):
    set_gate(phase1, ("quiz_score", {"threshold": 80}), ("key_actions_done", {}))
    enrollment = enroll(learner, track, **NEWCOMER)
    graded(learner, quiz, 40)
    graded(learner, quiz, best)
    result = progression.evaluate(enrollment=enrollment).results[0]
    assert result.met is met
    assert result.sentence.startswith(f"Best {best} %, needs 80 %")


@pytest.mark.django_db
def test_quiz_score_says_when_there_is_no_attempt_yet(learner, track, phase1, quiz):
    set_gate(phase1, ("quiz_score", {}))
    result = progression.evaluate(enrollment=enroll(learner, track, **NEWCOMER)).results[0]
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
    enrollment = enroll(learner, track, **NEWCOMER)
    approved(learner, phase1.key_actions.get(order=1), state=state)
    result = progression.evaluate(enrollment=enrollment).results[0]
    assert result.met is met
    if not met:
        assert "1 waiting for review since" in result.sentence


@pytest.mark.django_db
def test_key_actions_done_needs_every_tick(learner, track, phase1, quiz):
    set_gate(phase1, ("quiz_score", {}), ("key_actions_done", {}))
    enrollment = enroll(learner, track, **NEWCOMER)
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
    enrollment = enroll(learner, track, **NEWCOMER)
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
    enrollment = enroll(learner, track, **NEWCOMER)
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
    enrollment = enroll(learner, track, **NEWCOMER)
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


# --- advance --------------------------------------------------------------------------------


@pytest.fixture
def ready(learner, track, phase1, quiz):
    """An enrollment whose first phase's gate is met."""
    set_gate(phase1, ("quiz_score", {}), ("evidence_approved", {}))
    enrollment = enroll(learner, track, **NEWCOMER)
    graded(learner, quiz, 90)
    approved(learner, phase1.key_actions.get(order=1))
    return enrollment


@pytest.mark.django_db
def test_it_unlocks_the_next_phase_once(ready, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        first = progression.advance(enrollment=ready)
    second = progression.advance(enrollment=ready)
    assert [p.order for p in first.unlocked] == [2] and not second.changed
    assert phase_states(ready) == [State.MASTERED, State.UNLOCKED, State.LOCKED]
    assert ProgressEvent.objects.filter(kind="unlocked").count() == 1
    mastered = ProgressEvent.objects.get(kind="mastered")
    assert [c["kind"] for c in mastered.snapshot["criteria"]] == ["quiz_score", "evidence_approved"]
    assert mastered.snapshot["criteria"][0]["evidence"]["score"] == 90


@pytest.mark.django_db
def test_it_opens_nothing_while_a_criterion_is_missing(learner, track, phase1, quiz):
    set_gate(phase1, ("quiz_score", {}), ("evidence_approved", {}))
    enrollment = enroll(learner, track, **NEWCOMER)
    graded(learner, quiz, 100)
    approved(learner, phase1.key_actions.get(order=1), state=Submission.State.IN_REVIEW)
    assert not progression.advance(enrollment=enrollment).changed
    assert phase_states(enrollment) == [State.UNLOCKED, State.LOCKED, State.LOCKED]


@pytest.mark.django_db
def test_a_phase_without_a_gate_never_opens_the_next(learner, track):
    enrollment = enroll(learner, track, **NEWCOMER)
    assert not progression.advance(enrollment=enrollment).changed
    assert phase_states(enrollment)[1] == State.LOCKED


@pytest.mark.django_db(transaction=True)
def test_two_workers_advancing_at_once_unlock_once(ready):
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(progression.advance(enrollment=ready))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.changed for r in results) == [False, True]
    assert ProgressEvent.objects.filter(kind="unlocked").count() == 1
    assert ProgressEvent.objects.filter(kind="mastered").count() == 1


@pytest.mark.django_db
def test_grading_an_attempt_advances_after_commit(
    learner, track, phase1, quiz, django_capture_on_commit_callbacks
):
    from quizzes import services as quiz_services

    set_gate(phase1, ("quiz_score", {"threshold": 60}), ("key_actions_done", {}))
    enrollment = enroll(learner, track, **NEWCOMER)
    KeyActionProgress.objects.filter(enrollment=enrollment).update(ticked_at=timezone.now())
    attempt = quiz_services.start_attempt(learner=learner, quiz=quiz)
    answers = {
        r.order: quiz_services.Answer(
            selected=[c.pk for c in r.question.choices.all() if c.correct], text=""
        )
        for r in attempt.responses.select_related("question")
    }
    quiz_services.save_answers(attempt=attempt, answers=answers)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        quiz_services.grade_attempt(attempt=attempt)
    assert callbacks  # advance runs after the grading transaction commits
    assert phase_states(enrollment)[:2] == [State.MASTERED, State.UNLOCKED]


# --- Edits to published tracks, exemptions --------------------------------------------------


@pytest.mark.django_db
def test_changing_a_gate_never_relocks_a_mastered_phase_and_is_in_the_trail(ready, track, phase1):
    progression.advance(enrollment=ready)
    phase2 = track.phases.get(order=2)
    set_gate(phase2, ("evidence_approved", {"count": 1}))
    set_gate(phase1, ("quiz_score", {"threshold": 100}), ("evidence_approved", {"count": 1}))
    assert phase_states(ready)[0] == State.MASTERED
    # Learners on phase 2 see its gate change; the mastered phase 1 keeps its record.
    set_gate(phase2, ("evidence_approved", {"count": 1}), ("key_actions_done", {}))
    events = ProgressEvent.objects.filter(kind="gate_changed").order_by("id")
    assert [e.phase for e in events] == [phase2, phase2]  # none for the mastered phase 1
    assert len(events.last().snapshot["after"]) == 2
    assert not progression.advance(enrollment=ready).changed


@pytest.mark.django_db
def test_staff_grant_an_exemption_recorded_with_who_and_why(learner, staff, track, phase1, quiz):
    set_gate(phase1, ("quiz_score", {}))
    enrollment = enroll(learner, track, **NEWCOMER)
    with pytest.raises(progression.ExemptionRefused):
        progression.grant_exemption(enrollment=enrollment, phase=phase1, staff=learner, reason="x")
    with pytest.raises(progression.ExemptionRefused, match="Say why"):
        progression.grant_exemption(enrollment=enrollment, phase=phase1, staff=staff, reason=" ")
    progression.grant_exemption(
        enrollment=enrollment, phase=phase1, staff=staff, reason="Passed our in-person exam."
    )
    event = ProgressEvent.objects.get(kind="exempted")
    assert (event.actor, event.reason) == (staff, "Passed our in-person exam.")
    assert phase_states(enrollment)[:2] == [State.MASTERED, State.UNLOCKED]


# --- Query budgets --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("history", [1, 12])
def test_evaluate_has_a_budget_whatever_the_history(
    learner, track, phase1, quiz, history, django_assert_max_num_queries
):
    deck = build_deck(phase=phase1, cards=3)
    set_gate(
        phase1,
        ("quiz_score", {}),
        ("card_retention", {}),
        ("evidence_approved", {}),
        ("key_actions_done", {}),
    )
    enrollment = enroll(learner, track, **NEWCOMER)
    for i in range(history):
        graded(learner, quiz, 10 + i)
        for card in deck.cards.all():
            now = timezone.now()
            ReviewLog.objects.create(
                learner=learner, card=card, rating=3, reviewed_at=now, due_after=now
            )
    # open phase, criteria, quiz 1, cards 2, evidence 1, key actions 2
    with django_assert_max_num_queries(9):
        report = progression.evaluate(enrollment=enrollment)
    assert len(report.results) == 4 and not report.met


def test_gate_criteria_rows_are_per_kind_once():
    constraint = {c.name for c in GateCriterion._meta.constraints}
    assert "gate_criterion_kind_once" in constraint


# --- Test-out and order ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_locked_phases_quiz_cannot_be_started(learner, track):
    from quizzes import services as quiz_services

    quiz2 = build_quiz(phase=track.phases.get(order=2), per_attempt=3)
    enroll(learner, track, **NEWCOMER)
    with pytest.raises(quiz_services.LearningRefused, match="Phase 2 is still locked"):
        quiz_services.start_attempt(learner=learner, quiz=quiz2)


@pytest.mark.django_db
def test_a_background_that_covers_the_phase_may_test_out_but_the_phase_opens_in_order(
    learner, track, phase1, quiz
):
    from quizzes import services as quiz_services
    from tracks.models import Background

    background = Background.objects.create(
        track=track, slug="data-scientist", title="Data scientist", min_months=3, max_months=6
    )
    background.covers_skills.set(track.skills.all())
    phase2 = track.phases.get(order=2)
    quiz2 = build_quiz(phase=phase2, per_attempt=3)
    set_gate(phase1, ("quiz_score", {}), ("evidence_approved", {}))
    set_gate(phase2, ("quiz_score", {}))
    enrollment = services.save_goals(
        learner=learner,
        goals=services.GoalsInput(
            track=track, background="data-scientist", hours_per_week=10, time_zone="UTC"
        ),
    ).enrollment
    attempt = quiz_services.start_attempt(learner=learner, quiz=quiz2)  # test-out: allowed
    graded_attempt = Attempt.objects.filter(pk=attempt.pk)
    graded_attempt.update(state=Attempt.State.GRADED, graded_at=timezone.now(), score=100)
    graded(learner, quiz, 100)
    progression.advance(enrollment=enrollment)
    # Phase 1 still needs a mentor's approval: phase 2's passed quiz opens nothing.
    assert phase_states(enrollment) == [State.UNLOCKED, State.LOCKED, State.LOCKED]
    approved(learner, phase1.key_actions.get(order=1))
    progression.advance(enrollment=enrollment)
    # Phase 1 masters, phase 2 opens and, its gate already met by the test-out, masters too.
    assert phase_states(enrollment) == [State.MASTERED, State.MASTERED, State.UNLOCKED]


@pytest.mark.django_db
def test_evidence_recorded_before_enrolling_does_not_count(learner, track, phase1, quiz):
    graded(learner, quiz, 100)
    set_gate(phase1, ("quiz_score", {}))
    enrollment = enroll(learner, track, **NEWCOMER)
    assert not progression.evaluate(enrollment=enrollment).met


@pytest.mark.django_db
def test_evidence_for_a_locked_phase_is_refused(learner, track):
    from mentors import services as mentor_services

    enroll(learner, track, **NEWCOMER)
    key_action = track.phases.get(order=2).key_actions.get(order=1)
    with pytest.raises(mentor_services.EvidenceRefused, match="Phase 2 is still locked"):
        mentor_services.submit_evidence(
            learner=learner,
            key_action=key_action,
            evidence=mentor_services.Evidence(
                url="https://example.com/x", writeup="Done.", note=""
            ),
        )


@pytest.mark.django_db
def test_the_tick_that_completes_the_gate_opens_the_next_phase_after_commit(
    learner, track, phase1, quiz, django_capture_on_commit_callbacks
):
    set_gate(phase1, ("quiz_score", {}), ("key_actions_done", {}))
    enrollment = enroll(learner, track, **NEWCOMER)
    graded(learner, quiz, 90)
    rows = list(KeyActionProgress.objects.filter(enrollment=enrollment, key_action__phase=phase1))
    services.set_key_action_done(progress=rows[0], done=True)
    assert phase_states(enrollment)[1] == State.LOCKED
    with django_capture_on_commit_callbacks(execute=True):
        services.set_key_action_done(progress=rows[1], done=True)
    assert phase_states(enrollment)[:2] == [State.MASTERED, State.UNLOCKED]
