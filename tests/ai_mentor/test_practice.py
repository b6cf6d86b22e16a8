"""Practice: the weakest skills first, only from the practice pool, graded at once with the
explanation, never an Attempt, and never a skill estimate."""

import random

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_mentor import practice
from ai_mentor.models import PracticeAnswer
from quizzes.models import Attempt, MasteryEvent, Question, SkillMastery
from tests.factories import PhaseFactory, QuizFactory, SkillFactory, single

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def practice_url(phase, skill=None):
    url = reverse("ai_mentor:practice", args=[phase.track.slug, phase.slug])
    return f"{url}?skill={skill.slug}" if skill else url


def test_it_serves_the_question_of_the_weakest_skill(learner, phase, docker_skill, stats_skill):
    SkillMastery.objects.create(learner=learner, skill=docker_skill, p_known=0.9)
    SkillMastery.objects.create(learner=learner, skill=stats_skill, p_known=0.2)
    pick = practice.next_question(learner=learner, phase=phase)
    assert pick.question.key == "practice-median"
    assert pick.skill == stats_skill and pick.p_known == 0.2


def test_a_skill_can_be_asked_for(learner, phase, docker_skill):
    pick = practice.next_question(learner=learner, phase=phase, skill=docker_skill)
    assert pick.question.key == "practice-dockerfile"


def test_recently_answered_questions_wait_their_turn(learner, phase, stats_skill, docker_skill):
    SkillMastery.objects.create(learner=learner, skill=stats_skill, p_known=0.1)
    median = phase.quiz.questions.get(key="practice-median")
    practice.grade_practice(learner=learner, question=median, selected=[], text="5.5")
    assert practice.next_question(learner=learner, phase=phase).question.key == (
        "practice-dockerfile"
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pools=st.lists(st.sampled_from(["assessment", "practice"]), min_size=1, max_size=8),
    estimates=st.lists(st.floats(min_value=0, max_value=1), min_size=3, max_size=3),
    seed=st.integers(min_value=0, max_value=2**32),
    ask_for_skill=st.booleans(),
)
def test_practice_never_serves_an_assessment_question(
    learner, pools, estimates, seed, ask_for_skill
):
    phase = PhaseFactory()
    quiz = QuizFactory(phase=phase, questions_per_attempt=1)
    skills = [SkillFactory() for _ in range(3)]
    for skill, p in zip(skills, estimates, strict=True):
        SkillMastery.objects.update_or_create(learner=learner, skill=skill, defaults={"p_known": p})
    rng = random.Random(seed)
    for pool in pools:
        single(quiz, pool=pool, skills=rng.sample(skills, rng.randint(0, 3)))
    skill = rng.choice(skills) if ask_for_skill else None
    for _ in range(3):
        pick = practice.next_question(learner=learner, phase=phase, skill=skill, rng=rng)
        if pick is None:
            assert not quiz.questions.filter(
                pool="practice", **({"skills": skill} if skill else {})
            ).exists()
            break
        assert pick.question.pool == Question.Pool.PRACTICE
        practice.grade_practice(learner=learner, question=pick.question, selected=[], text="")


def test_the_practice_page_shows_a_question_without_its_answer(client, learner, phase, stats_skill):
    SkillMastery.objects.create(learner=learner, skill=stats_skill, p_known=0.1)
    question = phase.quiz.questions.get(key="practice-median")
    client.force_login(learner)
    html = client.get(practice_url(phase)).text.split('id="practice-card"')[1]
    assert question.prompt.strip() in html
    assert "5.5" not in html and question.explanation not in html
    assert "correct answer" not in html


def test_an_answer_is_graded_at_once_with_the_explanation(client, learner, phase):
    question = phase.quiz.questions.get(key="practice-dockerfile")
    right = question.choices.get(correct=True)
    client.force_login(learner)
    html = client.post(
        reverse("ai_mentor:practice-answer", args=[question.pk]), {"answer": right.pk}, headers=HTMX
    ).text
    assert html.lstrip().startswith('<section id="practice-card"')
    assert "✓ Right" in html
    assert "The Dockerfile lists the steps" in html
    assert "Next question" in html
    answer = PracticeAnswer.objects.get()
    assert answer.correct and answer.selected == [right.pk]


def test_a_plain_post_redirects_to_the_result_which_only_its_owner_sees(
    client, learner, stranger, phase
):
    question = phase.quiz.questions.get(key="practice-median")
    client.force_login(learner)
    response = client.post(
        reverse("ai_mentor:practice-answer", args=[question.pk]), {"answer": "7"}
    )
    answer = PracticeAnswer.objects.get()
    assert response.url == reverse("ai_mentor:practice-result", args=[answer.pk])
    html = client.get(response.url).text
    assert "✗ Not quite" in html and "Expected: <strong>5.5</strong>" in html
    client.force_login(stranger)
    assert client.get(response.url).status_code == 404


def test_a_crafted_post_cannot_grade_an_assessment_question(client, learner, phase):
    assessment = phase.quiz.questions.filter(pool="assessment").first()
    client.force_login(learner)
    response = client.post(
        reverse("ai_mentor:practice-answer", args=[assessment.pk]), {"answer": "1"}, headers=HTMX
    )
    assert response.status_code == 404
    assert not PracticeAnswer.objects.exists()
    with pytest.raises(ValueError):
        practice.grade_practice(learner=learner, question=assessment, selected=[], text="")


def test_practice_never_creates_attempts_nor_moves_estimates_by_default(
    learner, phase, docker_skill
):
    question = phase.quiz.questions.get(key="practice-dockerfile")
    for _ in range(3):
        practice.grade_practice(
            learner=learner,
            question=question,
            selected=[question.choices.get(correct=True).pk],
            text="",
        )
    assert not Attempt.objects.exists()
    assert not SkillMastery.objects.exists()
    assert PracticeAnswer.objects.filter(moves=[]).count() == 3


def test_practice_cannot_change_an_estimate_the_gate_reads(learner, phase, docker_skill):
    # An estimate already earned by a quiz: six right practice answers leave it as it was
    # (before, a track switch let six of them take it to 0.9996 with no MasteryEvent).
    SkillMastery.objects.create(
        learner=learner, skill=docker_skill, p_known=0.4, responses=2, distinct_questions=2
    )
    question = phase.quiz.questions.get(key="practice-dockerfile")
    right = question.choices.get(correct=True).pk
    for _ in range(6):
        answer = practice.grade_practice(
            learner=learner, question=question, selected=[right], text=""
        )
        assert answer.correct and answer.moves == []
    mastery = SkillMastery.objects.get(learner=learner, skill=docker_skill)
    assert (mastery.p_known, mastery.responses, mastery.distinct_questions) == (0.4, 2, 2)
    assert not MasteryEvent.objects.exists()
    assert not Attempt.objects.exists()


def test_a_phase_without_practice_questions_says_so(client, learner):
    phase = QuizFactory().phase
    client.force_login(learner)
    html = client.get(practice_url(phase)).text
    assert "No practice questions here yet" in html
    assert "never counts toward a quiz score or a gate" in html


def test_the_practice_page_has_a_query_budget(
    client, learner, phase, django_assert_max_num_queries
):
    client.force_login(learner)
    # session, user, phase, candidates, their skills, their choices, estimates, recent
    # answers, the notification bell
    with django_assert_max_num_queries(9):
        client.get(practice_url(phase))


def test_reloading_a_result_asks_the_mentor_for_its_note_once(client, learner, phase):
    from ai_mentor.models import AIUsage

    question = phase.quiz.questions.get(key="practice-median")
    client.force_login(learner)
    response = client.post(
        reverse("ai_mentor:practice-answer", args=[question.pk]), {"answer": "5.5"}
    )
    first = client.get(response.url).text
    client.get(response.url)
    assert "✓ Right" in first and "AI mentor" in first
    assert AIUsage.objects.filter(kind="practice").count() == 1
