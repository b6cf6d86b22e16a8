"""A page that shows a best score shows the quiz_score gate's own figure: attempts made before
enrolling (outside the evidence window) count for neither."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from quizzes import services as quiz_services
from tests.factories import build_quiz, build_track
from tracks import gates, progression, services

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


def take(learner, quiz, *, at, right: bool):
    with time_machine.travel(at, tick=False):
        attempt = quiz_services.start_attempt(learner=learner, quiz=quiz)
        answers = {}
        for response in attempt.responses.prefetch_related("question__choices"):
            choice = next(c for c in response.question.choices.all() if c.correct == right)
            answers[response.order] = quiz_services.Answer([choice.pk], "")
        quiz_services.save_answers(attempt=attempt, answers=answers)
        return quiz_services.grade_attempt(attempt=attempt)


def test_an_attempt_from_before_enrolling_is_not_the_best_on_any_page(client, learner):
    track = build_track(phases=2, actions_per_phase=1)
    phase = track.phases.get(order=1)
    quiz = build_quiz(phase=phase, questions=9, per_attempt=3)
    criteria = [("quiz_score", {"threshold": 80})]
    assert not gates.gate_problems(phase, criteria)
    services.set_gate(phase=phase, criteria=criteria)
    assert take(learner, quiz, at=T0 - timedelta(days=40), right=True).score == 100
    with time_machine.travel(T0, tick=False):
        enrollment = services.save_goals(
            learner=learner,
            goals=services.GoalsInput(
                track=track, background="newcomer", hours_per_week=10, time_zone="UTC"
            ),
        ).enrollment
    take(learner, quiz, at=T0 + timedelta(days=1), right=False)

    gate = next(r for r in progression.evaluate(enrollment=enrollment).results)
    assert gate.current == "0 %"  # the gate counts the attempt since enrolling only
    client.force_login(learner)
    center = client.get(reverse("quizzes:phase", args=[track.slug, phase.slug])).text
    assert "<dt>Your best</dt><dd>0 %</dd>" in center  # was 100 %: two answers on one page
    index = client.get(reverse("quizzes:index")).text
    assert "best 0 %" in index and "best 100 %" not in index


def test_a_learner_not_enrolled_sees_every_graded_attempt(client, learner):
    track = build_track(phases=1, actions_per_phase=1)
    phase = track.phases.get(order=1)
    quiz = build_quiz(phase=phase, questions=9, per_attempt=3)
    take(learner, quiz, at=T0 - timedelta(days=40), right=True)
    client.force_login(learner)
    center = client.get(reverse("quizzes:phase", args=[track.slug, phase.slug])).text
    assert "<dt>Your best</dt><dd>100 %</dd>" in center
