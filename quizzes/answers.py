"""What counts as a right answer (pure functions): grading uses them, and the AI mentor's
practice marks its answers with the same rule, without the power to grade.
"""

import re

from quizzes.models import Question


def normalize_text(value: str) -> str:
    """Case- and whitespace-insensitive form: ' Gradient  Descent' reads 'gradient descent'."""
    return re.sub(r"\s+", " ", value).strip().casefold()


def parse_number(value: str) -> float | None:
    """A learner's numeric answer, accepting '0,5' and spaces; None when it is not a number."""
    cleaned = value.strip().replace(" ", "").replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def is_correct(*, question: Question, selected: list[int], text: str) -> bool:
    """Whether an answer is right. Multiple choice is all or nothing: every correct choice and
    no other. `question.choices` should be prefetched."""
    if question.is_choice:
        correct = {c.pk for c in question.choices.all() if c.correct}
        chosen = set(selected)
        if question.kind == Question.Kind.SINGLE and len(chosen) != 1:
            return False
        return bool(correct) and chosen == correct
    if question.kind == Question.Kind.NUMERIC:
        number = parse_number(text)
        if number is None or question.answer is None:
            return False
        # A hair of slack for binary floating point (0.1 + 0.2 is not 0.3).
        slack = 1e-9 * max(1.0, abs(question.answer))
        return abs(number - question.answer) <= question.tolerance + slack
    accepted = {normalize_text(a) for a in question.accepted if isinstance(a, str)}
    answer = normalize_text(text)
    return bool(answer) and answer in accepted
