"""One evidence window for every criterion kind (tracks.gates.evidence_window): evidence
recorded since enrolling counts, evidence from before does not, and work a mentor approved
before enrolling never deadlocks a phase."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from mentors import services as mentor_services
from mentors.models import Submission
from quizzes import services as quiz_services
from quizzes.models import CardState
from tests.factories import NEWCOMER_IN_UTC, build_deck, build_quiz, build_track, enroll, set_gate
from tracks import gates, progression
from tracks.models import KeyActionProgress, PhaseProgress

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)
BEFORE = T0 - timedelta(days=40)  # browsing the Learning Center, not enrolled yet


@pytest.fixture
def track():
    track = build_track(phases=2, actions_per_phase=1)
    track.phases.get(order=1).key_actions.update(needs_evidence=True)
    return track


@pytest.fixture
def phase1(track):
    return track.phases.get(order=1)


def result(enrollment, kind):
    report = progression.evaluate(enrollment=enrollment)
    return next(r for r in report.results if r.kind == kind)


def pass_quiz(learner, quiz, *, at):
    with time_machine.travel(at, tick=False):
        attempt = quiz_services.start_attempt(learner=learner, quiz=quiz)
        answers = {}
        for response in attempt.responses.prefetch_related("question__choices"):
            right = next(c for c in response.question.choices.all() if c.correct)
            answers[response.order] = quiz_services.Answer([right.pk], "")
        quiz_services.save_answers(attempt=attempt, answers=answers)
        return quiz_services.grade_attempt(attempt=attempt)


def test_the_window_is_the_enrollment_and_resuming_keeps_it(learner, track):
    enrollment = enroll(learner, track, at=T0, **NEWCOMER_IN_UTC)
    window = gates.evidence_window(enrollment)
    assert window.start == enrollment.created_at
    assert window.contains(enrollment.created_at)
    assert not window.contains(enrollment.created_at - timedelta(seconds=1))


def test_quiz_score_counts_attempts_started_since_enrolling(learner, track, phase1):
    quiz = build_quiz(phase=phase1, per_attempt=2)
    set_gate(phase1, ("quiz_score", {}))
    assert pass_quiz(learner, quiz, at=BEFORE).score == 100  # not enrolled: any quiz is open
    enrollment = enroll(learner, track, at=T0, **NEWCOMER_IN_UTC)
    assert result(enrollment, "quiz_score").sentence.startswith("No graded attempt yet")
    pass_quiz(learner, quiz, at=T0 + timedelta(hours=1))
    assert result(enrollment, "quiz_score").met


def test_skill_mastery_counts_answers_recorded_since_enrolling(learner, track, phase1):
    quiz = build_quiz(phase=phase1, per_attempt=4)
    set_gate(phase1, ("quiz_score", {}), ("skill_mastery", {}))
    pass_quiz(learner, quiz, at=BEFORE)  # four right answers on four questions: mastered
    enrollment = enroll(learner, track, at=T0, **NEWCOMER_IN_UTC)
    skill = result(enrollment, "skill_mastery")
    assert not skill.met and "has no graded answer yet" in skill.sentence
    pass_quiz(learner, quiz, at=T0 + timedelta(hours=1))
    assert result(enrollment, "skill_mastery").met


def test_card_retention_counts_reviews_made_since_enrolling(learner, track, phase1):
    deck = build_deck(phase=phase1, cards=1)
    build_quiz(phase=phase1, per_attempt=1)
    set_gate(phase1, ("quiz_score", {}), ("card_retention", {"share": 100}))
    card = deck.cards.get()
    quiz_services.study_deck(learner=learner, deck=deck)

    def review(at, rating=3):
        state = CardState.objects.filter(learner=learner, card=card).first()
        quiz_services.review_card(
            learner=learner,
            card=card,
            rating=rating,
            expected_reps=state.reps if state else 0,
            now=at,
        )

    review(BEFORE)  # the first sight, before enrolling
    enrollment = enroll(learner, track, at=T0, **NEWCOMER_IN_UTC)
    # Recalled 40 days after the review before, but that review lies outside the window.
    review(T0 + timedelta(hours=1))
    assert not result(enrollment, "card_retention").met
    # Recalled again at its next due date, 21+ days after a review inside the window.
    due = CardState.objects.get(card=card).due
    review(max(due, T0 + timedelta(days=22)))
    assert result(enrollment, "card_retention").met


def test_key_actions_done_counts_ticks_since_enrolling(learner, track, phase1):
    build_quiz(phase=phase1, per_attempt=1)
    set_gate(phase1, ("quiz_score", {}), ("key_actions_done", {}))
    enrollment = enroll(learner, track, at=T0, **NEWCOMER_IN_UTC)
    progress = KeyActionProgress.objects.get(enrollment=enrollment, key_action__phase=phase1)
    KeyActionProgress.objects.filter(pk=progress.pk).update(ticked_at=T0 - timedelta(days=1))
    assert not result(enrollment, "key_actions_done").met
    KeyActionProgress.objects.filter(pk=progress.pk).update(ticked_at=T0 + timedelta(hours=1))
    assert result(enrollment, "key_actions_done").met


def send(learner, key_action, *, at):
    with time_machine.travel(at, tick=False):
        return mentor_services.submit_evidence(
            learner=learner,
            key_action=key_action,
            evidence=mentor_services.Evidence(
                url="https://github.com/me/project", writeup="What I built and why.", note=""
            ),
            checker=lambda **kwargs: [],
        )


def test_work_waiting_before_enrolling_counts_once_a_mentor_approves_it(learner, track, phase1):
    set_gate(phase1, ("evidence_approved", {}), ("key_actions_done", {}))
    send(learner, phase1.key_actions.get(), at=BEFORE)
    enrollment = enroll(learner, track, at=T0, **NEWCOMER_IN_UTC)
    assert not result(enrollment, "evidence_approved").met
    Submission.objects.update(state=Submission.State.APPROVED)
    assert result(enrollment, "evidence_approved").met


def test_work_approved_before_enrolling_no_longer_deadlocks_the_phase(learner, track, phase1):
    # The phase has a single key action needing evidence (7 of the 15 seed phases do).
    set_gate(phase1, ("evidence_approved", {}))
    key_action = phase1.key_actions.get()
    submission = send(learner, key_action, at=BEFORE)
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.APPROVED)
    enrollment = enroll(learner, track, at=T0, **NEWCOMER_IN_UTC)

    # Before the fix: not counted (sent before enrolling), no second submission possible
    # (one live submission per key action), approved work cannot be withdrawn: stuck.
    with pytest.raises(mentor_services.EvidenceRefused, match="already have evidence"):
        send(learner, key_action, at=T0 + timedelta(hours=1))
    with pytest.raises(mentor_services.IllegalTransition):
        mentor_services.withdraw(submission=submission)

    # Now: a mentor's approval of that very work is carried into the window.
    evidence = result(enrollment, "evidence_approved")
    assert evidence.met and evidence.current == "1 approved"
    progression.advance(enrollment=enrollment)
    states = dict(
        PhaseProgress.objects.filter(enrollment=enrollment).values_list("phase__order", "state")
    )
    assert states == {1: PhaseProgress.State.MASTERED, 2: PhaseProgress.State.UNLOCKED}
