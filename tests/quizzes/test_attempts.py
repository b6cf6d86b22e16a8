"""Attempts: drawn at random and stored, answered as you go, graded once on the server,
limited by cooldowns and daily limits, never leaking answers, and private to their learner."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from quizzes import services
from quizzes.models import Attempt, MasteryEvent, Question, SkillMastery
from tests.factories import (
    QuizFactory,
    SkillFactory,
    TrackFactory,
    build_quiz,
    multiple,
    numeric,
    short,
    single,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz():
    return build_quiz(questions=12, per_attempt=4)


def _without_csrf(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', "", html)


def start(client, quiz):
    return client.post(reverse("quizzes:start", args=[quiz.pk]))


def answer_all(attempt, *, right: bool) -> dict:
    """POST data answering every question of the attempt right (or wrong)."""
    data = {}
    for response in attempt.responses.select_related("question").prefetch_related(
        "question__choices"
    ):
        choices = [c for c in response.question.choices.all() if c.correct is right]
        data[f"q{response.order}"] = str(choices[0].pk)
    return data


def test_starting_an_attempt_draws_questions_and_a_reload_shows_the_same(client, learner, quiz):
    client.force_login(learner)
    response = start(client, quiz)
    attempt = Attempt.objects.get(learner=learner)
    assert response.url == reverse("quizzes:attempt", args=[attempt.pk])
    drawn = list(attempt.responses.order_by("order").values_list("question__prompt", flat=True))
    assert len(drawn) == 4 and len(set(drawn)) == 4

    first, second = (_without_csrf(client.get(response.url).text) for _ in range(2))
    assert first == second
    positions = [first.index(prompt) for prompt in drawn]
    assert positions == sorted(positions), "questions are shown in the drawn order"

    # Starting again while it is open resumes it instead of drawing anew.
    assert start(client, quiz).url == response.url
    assert Attempt.objects.count() == 1


def test_the_draw_is_reproducible_from_the_stored_seed(learner, quiz):
    import random

    attempt = services.start_attempt(learner=learner, quiz=quiz)
    pool = sorted(quiz.questions.values_list("id", flat=True))
    expected = random.Random(attempt.seed).sample(pool, 4)
    assert (
        list(attempt.responses.order_by("order").values_list("question_id", flat=True)) == expected
    )


def test_gated_attempts_draw_from_the_assessment_pool_only(learner):
    quiz = build_quiz(questions=15, per_attempt=3)
    practice = single(quiz, pool=Question.Pool.PRACTICE)
    for _ in range(5):
        attempt = services.start_attempt(learner=learner, quiz=quiz)
        assert practice.pk not in set(attempt.responses.values_list("question_id", flat=True))
        services.grade_attempt(attempt=attempt)


def test_the_attempt_page_never_contains_the_answers(client, learner):
    quiz = QuizFactory(questions_per_attempt=4)
    skill = SkillFactory()
    single(quiz, skills=[skill], explanation="Because the single explanation says so.")
    multiple(quiz, skills=[skill], explanation="Because the multiple explanation says so.")
    numeric(quiz, answer=42.125, tolerance=0.5, explanation="Because numeric.")
    short(quiz, accepted=["stochastic gradient descent"], explanation="Because short.")
    client.force_login(learner)
    html = client.get(start(client, quiz).url).text

    assert "Prompt number" in html
    for secret in ("explanation", "Because", "42.125", "42,125", "stochastic gradient", "0.5"):
        assert secret not in html, secret
    # The markup of a right choice and a wrong one is the same: nothing says which is which.
    assert "correct" not in html.lower()
    assert "is-answer" not in html and "data-correct" not in html
    for question in quiz.questions.filter(kind__in=["single", "multiple"]):
        for choice in question.choices.all():
            assert f'value="{choice.pk}"> {choice.text}</label>' in html


def test_answers_are_saved_as_you_go_and_shown_after_a_reload(client, learner, quiz):
    client.force_login(learner)
    attempt_url = start(client, quiz).url
    attempt = Attempt.objects.get()
    data = answer_all(attempt, right=True)
    data.pop("q2")
    response = client.post(
        reverse("quizzes:save", args=[attempt.pk]), data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="save-status"' in response.text and "Answers saved" in response.text
    assert attempt.responses.get(order=1).selected == [int(data["q1"])]
    assert attempt.responses.get(order=2).selected == []
    assert f'value="{data["q1"]}" checked' in client.get(attempt_url).text


def test_a_choice_from_another_question_is_not_saved(client, learner, quiz):
    client.force_login(learner)
    start(client, quiz)
    attempt = Attempt.objects.get()
    other = attempt.responses.get(order=2).question.choices.first()
    client.post(reverse("quizzes:save", args=[attempt.pk]), {"q1": str(other.pk)})
    assert attempt.responses.get(order=1).selected == []


def test_submitting_grades_on_the_server_and_shows_explanations_and_skills(client, learner, quiz):
    client.force_login(learner)
    start(client, quiz)
    attempt = Attempt.objects.get()
    data = answer_all(attempt, right=True)
    wrong = answer_all(attempt, right=False)
    data["q4"] = wrong["q4"]
    response = client.post(reverse("quizzes:submit", args=[attempt.pk]), data, follow=True)
    attempt.refresh_from_db()
    assert (attempt.state, attempt.correct_count, attempt.score, attempt.passed) == (
        "graded",
        3,
        75,
        False,
    )
    html = response.text
    assert "Not passed yet: 75 %" in html
    for r in attempt.responses.select_related("question"):
        assert r.question.explanation in html
    assert quiz.questions.first().skills.first().name in html


def test_a_double_submission_grades_once(client, learner, quiz):
    client.force_login(learner)
    start(client, quiz)
    attempt = Attempt.objects.get()
    right = answer_all(attempt, right=True)
    url = reverse("quizzes:submit", args=[attempt.pk])
    client.post(url, right)
    # A replayed POST with other answers changes nothing: the attempt was graded once.
    client.post(url, answer_all(attempt, right=False))
    attempt.refresh_from_db()
    assert attempt.score == 100
    assert MasteryEvent.objects.count() == 4
    assert SkillMastery.objects.get().responses == 4
    assert services.grade_attempt(attempt=attempt).score == 100
    assert MasteryEvent.objects.count() == 4


def test_an_expired_attempt_grades_what_was_answered(client, learner):
    quiz = build_quiz(questions=4, per_attempt=4, time_limit_minutes=10)
    client.force_login(learner)
    start(client, quiz)
    attempt = Attempt.objects.get()
    data = answer_all(attempt, right=True)
    client.post(reverse("quizzes:save", args=[attempt.pk]), {"q1": data["q1"], "q2": data["q2"]})
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        # A late save is refused and grades the attempt as it stood.
        late = client.post(reverse("quizzes:save", args=[attempt.pk]), data)
        assert late.url == reverse("quizzes:attempt", args=[attempt.pk])
        html = client.get(late.url).text
    attempt.refresh_from_db()
    assert attempt.is_graded and attempt.timed_out
    assert (attempt.correct_count, attempt.score) == (2, 50)
    assert "Time ran out" in html


def test_a_crafted_start_during_the_cooldown_is_refused_with_the_wait(client, learner):
    quiz = build_quiz(cooldown_minutes=30)
    client.force_login(learner)
    start(client, quiz)
    attempt = Attempt.objects.get()
    client.post(reverse("quizzes:submit", args=[attempt.pk]))
    with time_machine.travel(timezone.now() + timedelta(minutes=21)):
        response = start(client, quiz)
        page = client.get(response.url).text
    assert Attempt.objects.count() == 1
    assert (
        "Your next attempt is possible in 9 min: a 30-minute cooldown follows each attempt." in page
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        start(client, quiz)
    assert Attempt.objects.count() == 2


def test_the_result_page_says_how_long_the_cooldown_lasts(client, learner):
    quiz = build_quiz(cooldown_minutes=30)
    client.force_login(learner)
    start(client, quiz)
    attempt = Attempt.objects.get()
    page = client.post(reverse("quizzes:submit", args=[attempt.pk]), follow=True).text
    assert "Your next attempt is possible in 30 min" in page
    assert "Start another attempt" not in page


def test_the_daily_limit_holds_and_says_when_the_next_attempt_is_possible(client, learner):
    quiz = build_quiz(attempts_per_day=2)
    client.force_login(learner)
    t0 = timezone.now()
    for hours in (0, 1):
        with time_machine.travel(t0 + timedelta(hours=hours)):
            start(client, quiz)
            client.post(reverse("quizzes:submit", args=[Attempt.objects.latest("id").pk]))
    with time_machine.travel(t0 + timedelta(hours=3)):
        page = client.get(start(client, quiz).url).text
    assert Attempt.objects.count() == 2
    assert "you have used your 2 attempts of the last 24 hours" in page
    assert "possible in 21 h" in page
    with time_machine.travel(t0 + timedelta(hours=24, minutes=1)):
        start(client, quiz)
    assert Attempt.objects.count() == 3


def test_the_service_refuses_too_even_without_the_page(learner):
    quiz = build_quiz(cooldown_minutes=5)
    services.grade_attempt(attempt=services.start_attempt(learner=learner, quiz=quiz))
    with pytest.raises(services.LearningRefused, match="cooldown"):
        services.start_attempt(learner=learner, quiz=quiz)


def test_a_quiz_whose_bank_is_too_small_cannot_start(learner):
    quiz = build_quiz(questions=2, per_attempt=3)
    with pytest.raises(services.LearningRefused, match="not ready"):
        services.start_attempt(learner=learner, quiz=quiz)


def test_another_learners_attempt_does_not_exist_for_a_stranger(client, learner, stranger, quiz):
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    client.force_login(stranger)
    data = {"q1": str(attempt.responses.get(order=1).question.choices.first().pk)}
    assert client.get(reverse("quizzes:attempt", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("quizzes:save", args=[attempt.pk]), data).status_code == 404
    assert client.post(reverse("quizzes:submit", args=[attempt.pk]), data).status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == "in_progress"
    assert attempt.responses.get(order=1).selected == []


def test_a_draft_tracks_quiz_cannot_be_started(client, learner):
    quiz = build_quiz(phase__track=TrackFactory(status="draft"))
    client.force_login(learner)
    assert start(client, quiz).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, quiz):
    response = start(client, quiz)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_attempt_page_has_a_query_budget(client, learner, django_assert_max_num_queries):
    quiz = build_quiz(questions=20, per_attempt=15)
    client.force_login(learner)
    url = start(client, quiz).url
    # session, user, attempt (+quiz, phase, track), responses (+questions), choices, the bell
    with django_assert_max_num_queries(6):
        client.get(url)
    attempt = Attempt.objects.get()
    client.post(reverse("quizzes:submit", args=[attempt.pk]), answer_all(attempt, right=True))
    # ... graded: + skills, the availability of the next attempt, the AI mentor's messages
    with django_assert_max_num_queries(9):
        client.get(url)


def test_grading_has_a_query_budget_whatever_the_number_of_questions(
    learner, django_assert_max_num_queries
):
    quiz = build_quiz(questions=30, per_attempt=25)
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    # savepoint, claim, responses, choices, skills, mark responses, score, lock the learner,
    # BKT parameters, masteries, questions seen, insert masteries, insert trail, note the
    # study on the enrollment (what the inactivity reminder reads), release, read back: 16,
    # and the same for 3 questions or 300.
    with django_assert_max_num_queries(16):
        services.grade_attempt(attempt=attempt)
