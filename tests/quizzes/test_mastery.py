"""Per-skill mastery: every graded response moves the estimate of each skill it is tagged with,
the trail keeps which response moved what from what to what, and "My skills" shows it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes import services
from quizzes.models import (
    FRESH_WINDOW,
    Attempt,
    MasteryEvent,
    Response,
    SkillMastery,
    SkillParameters,
)
from tests.factories import QuizFactory, SkillFactory, build_quiz, numeric, single

pytestmark = pytest.mark.django_db


def take(learner, quiz, *, right: bool):
    """Start an attempt and answer every drawn question right (or wrong), then grade it."""
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    answers = {}
    for response in attempt.responses.select_related("question").prefetch_related(
        "question__choices"
    ):
        question = response.question
        if question.is_choice:
            choice = next(c for c in question.choices.all() if c.correct is right)
            answers[response.order] = services.Answer([choice.pk], "")
        else:
            answers[response.order] = services.Answer(
                [], str(question.answer + (0 if right else 7))
            )
    services.save_answers(attempt=attempt, answers=answers)
    return services.grade_attempt(attempt=attempt)


def test_a_graded_response_moves_the_estimate_with_the_skills_parameters(learner):
    skill = SkillFactory()
    SkillParameters.objects.create(skill=skill, p_init=0.4, p_transit=0.1, p_guess=0.2, p_slip=0.1)
    quiz = QuizFactory(questions_per_attempt=1)
    single(quiz, skills=[skill])
    take(learner, quiz, right=True)
    mastery = SkillMastery.objects.get(learner=learner, skill=skill)
    assert mastery.p_known == pytest.approx(0.775)
    event = MasteryEvent.objects.get()
    assert (event.p_before, event.correct) == (0.4, True)
    assert event.p_after == pytest.approx(0.775)
    assert event.response.attempt.learner == learner


def test_numeric_and_short_questions_use_the_lower_guess_rate(learner):
    skill = SkillFactory()
    SkillParameters.objects.create(
        skill=skill, p_init=0.4, p_transit=0.1, p_guess=0.2, p_guess_open=0.05, p_slip=0.1
    )
    quiz = QuizFactory(questions_per_attempt=1)
    numeric(quiz, answer=3, skills=[skill])
    take(learner, quiz, right=True)
    # 0.36 / (0.36 + 0.6 * 0.05) = 0.923..., then the transition.
    posterior = 0.36 / (0.36 + 0.6 * 0.05)
    expected = posterior + (1 - posterior) * 0.1
    assert SkillMastery.objects.get().p_known == pytest.approx(expected)


def test_skills_without_parameters_use_the_documented_defaults(learner):
    skill = SkillFactory()
    quiz = QuizFactory(questions_per_attempt=1)
    single(quiz, skills=[skill])
    take(learner, quiz, right=True)
    # p(L0)=0.25, p(T)=0.15, p(G)=0.25, p(S)=0.10: 0.225 / (0.225 + 0.1875), then transition.
    posterior = 0.225 / (0.225 + 0.1875)
    assert SkillMastery.objects.get().p_known == pytest.approx(posterior + (1 - posterior) * 0.15)


def test_mastery_needs_breadth_not_only_a_high_estimate(learner):
    skill = SkillFactory()
    quiz = build_quiz(questions=4, per_attempt=1, skill=skill)
    for _ in range(3):
        take(learner, quiz, right=True)
    mastery = SkillMastery.objects.get()
    assert mastery.p_known >= 0.95
    assert mastery.responses == 3
    assert not mastery.is_mastered, "three lucky answers are not mastery"
    take(learner, quiz, right=True)
    mastery.refresh_from_db()
    assert (mastery.responses, mastery.distinct_questions) == (4, 4)
    assert mastery.is_mastered


def graded_again(learner, question, *, right: bool, when):
    """A graded attempt showing `question` again: what a retake farmer would get if the draw
    ever served a question twice (the start refuses it; the evidence rule holds regardless)."""
    attempt = Attempt.objects.create(
        learner=learner, quiz=question.quiz, seed=1, started_at=when, question_count=1
    )
    choice = next(c for c in question.choices.all() if c.correct is right)
    Response.objects.create(attempt=attempt, question=question, order=1, selected=[choice.pk])
    return services.grade_attempt(attempt=attempt, now=when)


def test_retaking_the_same_questions_cannot_farm_mastery(learner):
    skill = SkillFactory()
    quiz = build_quiz(questions=3, per_attempt=1, skill=skill)
    t0 = timezone.now()
    # Forty right answers, over and over, to the same three questions within the window.
    for i in range(40):
        question = quiz.questions.order_by("id")[i % 3]
        graded_again(learner, question, right=True, when=t0 + timedelta(hours=i))
    mastery = SkillMastery.objects.get()
    assert (mastery.responses, mastery.distinct_questions) == (3, 3)
    assert not mastery.is_mastered
    assert MasteryEvent.objects.count() == 40
    repeats = MasteryEvent.objects.filter(counted=False)
    assert repeats.count() == 37
    assert all(e.p_before == e.p_after for e in repeats), "a repeat moves nothing"


def test_a_question_counts_again_once_it_is_out_of_the_window(learner):
    skill = SkillFactory()
    quiz = build_quiz(questions=1, per_attempt=1, skill=skill)
    question = quiz.questions.get()
    t0 = timezone.now()
    graded_again(learner, question, right=True, when=t0)
    graded_again(learner, question, right=True, when=t0 + FRESH_WINDOW - timedelta(minutes=1))
    assert SkillMastery.objects.get().responses == 1
    graded_again(learner, question, right=True, when=t0 + FRESH_WINDOW + timedelta(minutes=1))
    mastery = SkillMastery.objects.get()
    assert (mastery.responses, mastery.distinct_questions) == (2, 1)


def test_a_learners_mastery_is_theirs_alone(learner, stranger):
    skill = SkillFactory()
    quiz = build_quiz(questions=3, per_attempt=3, skill=skill)
    take(learner, quiz, right=True)
    take(stranger, quiz, right=False)
    mine = SkillMastery.objects.get(learner=learner, skill=skill)
    theirs = SkillMastery.objects.get(learner=stranger, skill=skill)
    assert mine.p_known > 0.9 > 0.2 > theirs.p_known


def test_my_skills_shows_each_estimate_and_its_evidence(client, learner, stranger):
    strong, weak = SkillFactory(name="Linear algebra"), SkillFactory(name="Docker")
    quiz = QuizFactory(questions_per_attempt=2)
    single(quiz, skills=[strong], prompt="What is an eigenvector?")
    single(quiz, skills=[weak], prompt="What does a Dockerfile hold?")
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    answers = {}
    for response in attempt.responses.select_related("question").prefetch_related(
        "question__choices"
    ):
        right = response.question.prompt.startswith("What is an")
        choice = next(c for c in response.question.choices.all() if c.correct is right)
        answers[response.order] = services.Answer([choice.pk], "")
    services.save_answers(attempt=attempt, answers=answers)
    services.grade_attempt(attempt=attempt)

    client.force_login(learner)
    html = client.get(reverse("quizzes:skills")).text
    assert html.index("Docker") < html.index("Linear algebra"), "weakest first"
    strong_percent = SkillMastery.objects.get(skill=strong).percent
    assert f'value="{strong_percent}"' in html and "<meter" in html
    assert "What is an eigenvector?" in html and "answered right" in html
    assert "0.25 → " in html
    assert 'style="' not in html

    client.force_login(stranger)
    html = client.get(reverse("quizzes:skills")).text
    assert "Linear algebra" not in html and "No evidence yet" in html


def test_my_skills_has_a_query_budget_whatever_the_length_of_the_trail(
    client, learner, django_assert_max_num_queries
):
    quiz = build_quiz(questions=24, per_attempt=6)
    for right in (True, False, True, False):
        take(learner, quiz, right=right)
    assert MasteryEvent.objects.count() == 24
    client.force_login(learner)
    # session, user, masteries, latest events per skill, the notification bell
    with django_assert_max_num_queries(5):
        response = client.get(reverse("quizzes:skills"))
    assert response.text.count("answered ") == 6, "the trail shown is bounded per skill"
