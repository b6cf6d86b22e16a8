"""Grading of each question type, and Bayesian Knowledge Tracing against hand-computed values."""

import pytest

from quizzes.services import bkt_update, is_correct
from tests.factories import QuizFactory, multiple, numeric, short, single

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz():
    return QuizFactory()


def choice_ids(question, *, correct: bool) -> list[int]:
    return [c.pk for c in question.choices.all() if c.correct is correct]


def test_a_single_choice_question_is_right_only_with_the_correct_choice(quiz):
    question = single(quiz)
    right, wrong = choice_ids(question, correct=True), choice_ids(question, correct=False)
    assert is_correct(question=question, selected=right, text="")
    assert not is_correct(question=question, selected=wrong[:1], text="")
    assert not is_correct(question=question, selected=[], text="")
    # Sending every choice of a single-choice question is not a way around it.
    assert not is_correct(question=question, selected=right + wrong, text="")


def test_a_multiple_choice_question_needs_every_correct_choice_and_no_other(quiz):
    question = multiple(quiz, right=("A", "B"), wrong=("C", "D"))
    right, wrong = choice_ids(question, correct=True), choice_ids(question, correct=False)
    assert is_correct(question=question, selected=right, text="")
    assert is_correct(question=question, selected=list(reversed(right)), text="")
    assert not is_correct(question=question, selected=right[:1], text=""), "partial selection"
    assert not is_correct(question=question, selected=right + wrong[:1], text=""), "one too many"
    assert not is_correct(question=question, selected=right + wrong, text=""), "select all"
    assert not is_correct(question=question, selected=[], text="")


@pytest.mark.parametrize(
    ("typed", "right"),
    [
        ("0.5", True),
        ("0.509", True),  # within the tolerance
        ("0.51", True),  # on the edge of the tolerance
        ("0.49", True),
        ("0.511", False),
        ("0,5", True),  # a decimal comma
        (" 0.5 ", True),
        ("5e-1", True),
        ("1/2", False),  # not a number
        ("", False),
        ("nan", False),
        ("inf", False),
    ],
)
def test_a_numeric_answer_is_right_within_the_tolerance(quiz, typed, right):
    question = numeric(quiz, answer=0.5, tolerance=0.01)
    assert is_correct(question=question, selected=[], text=typed) is right


def test_a_numeric_answer_without_tolerance_must_be_exact_up_to_float_rounding(quiz):
    question = numeric(quiz, answer=0.3)
    assert is_correct(question=question, selected=[], text=str(0.1 + 0.2))
    assert not is_correct(question=question, selected=[], text="0.31")


@pytest.mark.parametrize(
    ("typed", "right"),
    [
        ("gradient descent", True),
        ("Gradient Descent", True),
        ("  gradient   descent ", True),
        ("GRADIENT\tDESCENT", True),
        ("SGD", True),
        ("gradient", False),
        ("gradient-descent", False),
        ("", False),
        ("   ", False),
    ],
)
def test_a_short_answer_ignores_case_and_whitespace(quiz, typed, right):
    question = short(quiz, accepted=["gradient descent", "sgd"])
    assert is_correct(question=question, selected=[], text=typed) is right


def test_bkt_matches_the_hand_computed_values():
    # p(L0)=0.4, p(T)=0.1, p(G)=0.2, p(S)=0.1, a correct answer:
    # P(L|correct) = 0.4*0.9 / (0.4*0.9 + 0.6*0.2) = 0.36 / 0.48 = 0.75; then 0.75 + 0.25*0.1.
    posterior, after = bkt_update(0.4, True, transit=0.1, guess=0.2, slip=0.1)
    assert posterior == pytest.approx(0.75)
    assert after == pytest.approx(0.775)


def test_bkt_lowers_the_estimate_after_a_wrong_answer():
    # P(L|wrong) = 0.4*0.1 / (0.4*0.1 + 0.6*0.8) = 0.04 / 0.52; then + (1 - that) * 0.1.
    posterior, after = bkt_update(0.4, False, transit=0.1, guess=0.2, slip=0.1)
    assert posterior == pytest.approx(0.04 / 0.52)
    assert after == pytest.approx(0.04 / 0.52 + (1 - 0.04 / 0.52) * 0.1)


def test_three_lucky_answers_cross_the_threshold_with_the_default_parameters():
    # Why mastery also asks for 4 answers on 3 questions (see the issue).
    p = 0.25
    for _ in range(3):
        _, p = bkt_update(p, True, transit=0.15, guess=0.25, slip=0.10)
    assert p >= 0.95
