"""`advance`: a met gate opens the next phase once (under concurrency, after commit), edits
and exemptions never relock, evaluation has a budget, and phases open in order (test-out
included). The track, phase1 and quiz fixtures are in conftest.py."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from mentors.models import Submission
from quizzes.models import Attempt, ReviewLog
from tests.factories import (
    NEWCOMER_IN_UTC,
    build_deck,
    build_quiz,
    enroll,
    graded_attempt,
    phase_states,
    set_gate,
    submission,
)
from tracks import progression, services
from tracks.models import (
    KeyActionProgress,
    PhaseProgress,
    ProgressEvent,
)

State = PhaseProgress.State


# --- advance --------------------------------------------------------------------------------


@pytest.fixture
def ready(learner, track, phase1, quiz):
    """An enrollment whose first phase's gate is met."""
    set_gate(phase1, ("quiz_score", {}), ("evidence_approved", {}))
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    graded_attempt(learner, quiz, 90)
    submission(learner, phase1.key_actions.get(order=1))
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
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    graded_attempt(learner, quiz, 100)
    submission(learner, phase1.key_actions.get(order=1), state=Submission.State.IN_REVIEW)
    assert not progression.advance(enrollment=enrollment).changed
    assert phase_states(enrollment) == [State.UNLOCKED, State.LOCKED, State.LOCKED]


@pytest.mark.django_db
def test_a_phase_without_a_gate_never_opens_the_next(learner, track):
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
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
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
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
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
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
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    for i in range(history):
        graded_attempt(learner, quiz, 10 + i)
        for card in deck.cards.all():
            now = timezone.now()
            ReviewLog.objects.create(
                learner=learner, card=card, rating=3, reviewed_at=now, due_after=now
            )
    # open phase, criteria, quiz 1, cards 2, evidence 1, key actions 2
    with django_assert_max_num_queries(9):
        report = progression.evaluate(enrollment=enrollment)
    assert len(report.results) == 4 and not report.met


# --- Test-out and order ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_locked_phases_quiz_cannot_be_started(learner, track):
    from quizzes import services as quiz_services

    quiz2 = build_quiz(phase=track.phases.get(order=2), per_attempt=3)
    enroll(learner, track, **NEWCOMER_IN_UTC)
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
    enrollment = enroll(learner, track, background="data-scientist", time_zone="UTC")
    attempt = quiz_services.start_attempt(learner=learner, quiz=quiz2)  # test-out: allowed
    test_out = Attempt.objects.filter(pk=attempt.pk)
    test_out.update(state=Attempt.State.GRADED, graded_at=timezone.now(), score=100)
    graded_attempt(learner, quiz, 100)
    progression.advance(enrollment=enrollment)
    # Phase 1 still needs a mentor's approval: phase 2's passed quiz opens nothing.
    assert phase_states(enrollment) == [State.UNLOCKED, State.LOCKED, State.LOCKED]
    submission(learner, phase1.key_actions.get(order=1))
    progression.advance(enrollment=enrollment)
    # Phase 1 masters, phase 2 opens and, its gate already met by the test-out, masters too.
    assert phase_states(enrollment) == [State.MASTERED, State.MASTERED, State.UNLOCKED]


@pytest.mark.django_db
def test_evidence_recorded_before_enrolling_does_not_count(learner, track, phase1, quiz):
    graded_attempt(learner, quiz, 100)
    set_gate(phase1, ("quiz_score", {}))
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    assert not progression.evaluate(enrollment=enrollment).met


@pytest.mark.django_db
def test_evidence_for_a_locked_phase_is_refused(learner, track):
    from mentors import services as mentor_services

    enroll(learner, track, **NEWCOMER_IN_UTC)
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
    enrollment = enroll(learner, track, **NEWCOMER_IN_UTC)
    graded_attempt(learner, quiz, 90)
    rows = list(KeyActionProgress.objects.filter(enrollment=enrollment, key_action__phase=phase1))
    services.set_key_action_done(progress=rows[0], done=True)
    assert phase_states(enrollment)[1] == State.LOCKED
    with django_capture_on_commit_callbacks(execute=True):
        services.set_key_action_done(progress=rows[1], done=True)
    assert phase_states(enrollment)[:2] == [State.MASTERED, State.UNLOCKED]
