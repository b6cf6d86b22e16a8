"""Fresh items: an attempt never shows a question the learner saw in the last 30 days, choices
come in a new order stored with the attempt, and banks too small for fresh draws are refused
at import, in the quiz admin and at publish."""

import random
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from quizzes import services
from quizzes.models import FRESH_WINDOW, Attempt, Question
from tests.factories import build_quiz, build_track, single
from tracks import services as track_services
from tracks.models import Track

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


def drawn(attempt) -> set[int]:
    return set(attempt.responses.values_list("question_id", flat=True))


def take(learner, quiz, *, at):
    with time_machine.travel(at, tick=False):
        attempt = services.start_attempt(learner=learner, quiz=quiz)
        return services.grade_attempt(attempt=attempt)


def test_no_question_comes_back_within_the_window(learner):
    quiz = build_quiz(questions=9, per_attempt=3)
    seen: set[int] = set()
    for day in range(3):
        attempt = take(learner, quiz, at=T0 + timedelta(days=day))
        assert not drawn(attempt) & seen, "a question shown in the window was drawn again"
        seen |= drawn(attempt)
    assert len(seen) == 9
    # The bank is spent for this learner: refused, with the date the first questions return.
    with (
        time_machine.travel(T0 + timedelta(days=5), tick=False),
        pytest.raises(services.LearningRefused) as refusal,
    ):
        services.start_attempt(learner=learner, quiz=quiz)
    returns = timezone.localtime(T0 + FRESH_WINDOW)
    message = str(refusal.value)
    assert "you have seen 9 of the 9 questions of this quiz" in message
    assert f"return on {returns.day} {returns:%B %Y, %H:%M}" in message
    assert Attempt.objects.count() == 3
    # Once the first attempt's questions leave the window, they are drawn again.
    attempt = take(learner, quiz, at=T0 + FRESH_WINDOW + timedelta(minutes=1))
    first = Attempt.objects.order_by("started_at").first()
    assert drawn(attempt) == drawn(first)


def test_the_refusal_waits_only_for_as_many_questions_as_an_attempt_lacks(learner):
    quiz = build_quiz(questions=7, per_attempt=3)
    take(learner, quiz, at=T0)
    second = take(learner, quiz, at=T0 + timedelta(days=2))
    # One fresh question left, an attempt needs three: it waits for the first attempt's
    # questions (shown longest ago), not for the second's.
    with (
        time_machine.travel(T0 + timedelta(days=3), tick=False),
        pytest.raises(services.LearningRefused, match="seen 6 of the 7") as refusal,
    ):
        services.start_attempt(learner=learner, quiz=quiz)
    returns = timezone.localtime(T0 + FRESH_WINDOW)
    assert f"return on {returns.day} {returns:%B %Y, %H:%M}" in str(refusal.value)
    later = take(learner, quiz, at=T0 + FRESH_WINDOW + timedelta(minutes=1))
    assert not drawn(later) & drawn(second)


def test_another_learner_draws_from_the_whole_bank(learner, stranger):
    quiz = build_quiz(questions=3, per_attempt=3)
    take(learner, quiz, at=T0)
    assert len(drawn(take(stranger, quiz, at=T0 + timedelta(hours=1)))) == 3


def test_the_start_button_says_why_when_fresh_questions_ran_out(client, learner):
    quiz = build_quiz(questions=3, per_attempt=3)
    take(learner, quiz, at=T0 - timedelta(days=1))
    client.force_login(learner)
    page = client.post(reverse("quizzes:start", args=[quiz.pk]), follow=True).text
    assert "Enough fresh questions return on" in page
    assert Attempt.objects.count() == 1


def _choice_texts(html: str, order: int) -> list[str]:
    block = html.split(f'id="question-{order}"')[1].split("</fieldset>")[0]
    return re.findall(r'value="\d+"(?: checked)?> ([^<]+)</label>', block)


def test_choices_come_shuffled_per_attempt_and_a_reload_keeps_the_order(client, learner):
    quiz = build_quiz(questions=0, per_attempt=6)
    for _ in range(18):
        single(quiz, wrong=("Wrong A", "Wrong B", "Wrong C", "Wrong D"))
    client.force_login(learner)
    url = client.post(reverse("quizzes:start", args=[quiz.pk])).url
    attempt = Attempt.objects.get()
    first, again = client.get(url).text, client.get(url).text
    for response in attempt.responses.prefetch_related("question__choices"):
        shown = _choice_texts(first, response.order)
        stored = [c.text for c in response.shown_choices()]
        assert shown == stored == _choice_texts(again, response.order)
        authored = [c.pk for c in response.question.choices.order_by("order", "id")]
        assert sorted(response.choice_order) == sorted(authored)
        # The order is the attempt's own, drawn from its stored seed (reproducible).
    rng = random.Random(attempt.seed)
    fresh = sorted(quiz.questions.values_list("id", flat=True))
    assert [r.question_id for r in attempt.responses.order_by("order")] == rng.sample(fresh, 6)
    # Six questions of five choices each: the authored order for all of them is a 1 in 10^12
    # coincidence, so the right answer is not always first any more.
    assert any(
        r.choice_order != sorted(r.choice_order) for r in attempt.responses.order_by("order")
    )


def test_grading_reads_the_chosen_ids_whatever_the_order_shown(learner):
    quiz = build_quiz(questions=3, per_attempt=3)
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    answers = {}
    for response in attempt.responses.prefetch_related("question__choices"):
        right = next(c for c in response.shown_choices() if c.correct)
        answers[response.order] = services.Answer([right.pk], "")
    services.save_answers(attempt=attempt, answers=answers)
    assert services.grade_attempt(attempt=attempt).score == 100


# --- The bank is an authoring rule ----------------------------------------------------------


def quiz_admin_form(quiz, *, per_attempt: int) -> dict[str, str]:
    questions = list(quiz.questions.order_by("order", "id"))
    data = {
        "phase": str(quiz.phase_id),
        "title": quiz.title,
        "pass_mark": "80",
        "questions_per_attempt": str(per_attempt),
        "cooldown_minutes": "0",
        "is_active": "on",
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": str(len(questions)),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for i, q in enumerate(questions):
        data |= {
            f"questions-{i}-id": str(q.pk),
            f"questions-{i}-quiz": str(quiz.pk),
            f"questions-{i}-order": str(q.order),
            f"questions-{i}-key": q.key,
            f"questions-{i}-kind": q.kind,
            f"questions-{i}-pool": q.pool,
            f"questions-{i}-difficulty": str(q.difficulty),
            f"questions-{i}-prompt": q.prompt,
            f"questions-{i}-is_active": "on",
        }
    return data


def test_the_quiz_admin_refuses_a_bank_below_three_times_the_draw(client, staff):
    quiz = build_quiz(questions=9, per_attempt=3, title="Basics check")
    client.force_login(staff)
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    response = client.post(url, quiz_admin_form(quiz, per_attempt=4))
    assert response.status_code == 200
    html = response.text.replace("&quot;", '"')
    assert (
        'Quiz "Basics check" draws 4 questions per attempt, so fresh draws need at least 12 '
        "assessment questions (3 x 4); its bank has 9: add 3" in html
    )
    quiz.refresh_from_db()
    assert quiz.questions_per_attempt == 3
    assert client.post(url, quiz_admin_form(quiz, per_attempt=3)).status_code == 302


def test_publishing_refuses_a_gate_whose_quiz_bank_shrank(learner):
    track = build_track(phases=2, actions_per_phase=1, status=Track.Status.DRAFT)
    phase = track.phases.get(order=1)
    quiz = build_quiz(phase=phase, questions=6, per_attempt=2, title="Basics check")
    track_services.set_gate(phase=phase, criteria=[("quiz_score", {})])
    assert track_services.publish_problems(track=track) == []
    Question.objects.filter(pk=quiz.questions.first().pk).update(is_active=False)
    problems = track_services.publish_problems(track=track)
    assert problems == [
        f'Phase 1 ({phase.title}): quiz_score: quiz "Basics check" draws 2 questions per '
        "attempt, so fresh draws need at least 6 assessment questions (3 x 2); its bank has 5: "
        "add 1 or lower questions_per_attempt"
    ]
