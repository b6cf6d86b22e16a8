"""The question rules have one home (quizzes.rules): the question admin and publishing refuse
what the track-file import refuses, in the same words."""

import pytest
from django.urls import reverse

from quizzes.models import Choice, Question
from tests.factories import build_quiz, build_track
from tracks import services as track_services
from tracks.models import Track

pytestmark = pytest.mark.django_db


def question_admin_form(question: Question, *, correct: list[bool], **fields) -> dict:
    choices = list(question.choices.order_by("order"))
    data = {
        "quiz": question.quiz_id,
        "key": question.key,
        "order": question.order,
        "is_active": "on",
        "kind": question.kind,
        "pool": question.pool,
        "difficulty": question.difficulty,
        "prompt": question.prompt,
        "explanation": question.explanation,
        "answer": "",
        "tolerance": "0",
        "accepted": "[]",
        "choices-TOTAL_FORMS": str(len(choices)),
        "choices-INITIAL_FORMS": str(len(choices)),
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, (choice, right) in enumerate(zip(choices, correct, strict=True)):
        data |= {
            f"choices-{i}-id": choice.pk,
            f"choices-{i}-question": question.pk,
            f"choices-{i}-order": choice.order,
            f"choices-{i}-text": choice.text,
            **({f"choices-{i}-correct": "on"} if right else {}),
        }
    return data


def test_the_question_admin_refuses_two_right_answers_in_the_import_s_words(client, staff):
    question = build_quiz(questions=3, per_attempt=1).questions.first()
    client.force_login(staff)
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = client.post(url, question_admin_form(question, correct=[True, True, False]))
    assert response.status_code == 200
    assert "A single-choice question needs exactly one correct choice (found 2)." in response.text
    assert question.choices.filter(correct=True).count() == 1
    assert (
        client.post(url, question_admin_form(question, correct=[False, True, False])).status_code
        == 302
    )
    assert list(question.choices.order_by("order").values_list("correct", flat=True)) == [
        False,
        True,
        False,
    ]


def test_the_question_admin_refuses_an_answer_on_a_choice_question(client, staff):
    question = build_quiz(questions=3, per_attempt=1).questions.first()
    client.force_login(staff)
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = client.post(
        url, question_admin_form(question, correct=[True, False, False], answer="3")
    )
    assert response.status_code == 200
    assert "Only numeric questions have &#x27;answer&#x27; and &#x27;tolerance&#x27;." in (
        response.text
    )
    question.refresh_from_db()
    assert question.answer is None


def test_publishing_refuses_a_quiz_with_a_question_nobody_can_answer_right(learner):
    track = build_track(phases=2, actions_per_phase=1, status=Track.Status.DRAFT)
    phase = track.phases.get(order=1)
    quiz = build_quiz(phase=phase, questions=6, per_attempt=2, title="Basics check")
    track_services.set_gate(phase=phase, criteria=[("quiz_score", {})])
    assert track_services.publish_problems(track=track) == []
    broken = quiz.questions.order_by("order").first()
    Choice.objects.filter(question=broken).update(correct=False)  # edited outside the admin
    assert track_services.publish_problems(track=track) == [
        f'Phase 1 ({phase.title}): quiz_score: quiz "Basics check": question "{broken.key}": '
        "a single-choice question needs exactly one correct choice (found 0)"
    ]
