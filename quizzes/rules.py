"""The authoring rules of quizzes, in one place: what makes a question answerable and a bank
large enough for fresh draws.

The track-file import (`quizzes.trackfile.check_quiz`), the admin (`Question.clean`, the
question and choice inlines) and publishing (the quiz_score gate's check, which
`tracks.services.publish_problems` runs) all call these functions, so an author meets the
same rule, in the same words, wherever the question is written. Each returns problems as
sentence fragments ("a numeric question needs 'answer'"); `sentence()` makes one a sentence
for a form.

Pure functions of plain values: no database access.
"""

from collections.abc import Sequence

# The authoring rule that makes fresh draws possible: an assessment bank of at least
# BANK_FACTOR times the questions an attempt draws, so a learner gets BANK_FACTOR fresh
# attempts per window before the start is refused until questions return.
BANK_FACTOR = 3
CHOICE_KINDS = ("single", "multiple")
MIN_CHOICES = 2
MAX_CHOICES = 8


def choice_problems(*, kind: str, correct: Sequence[bool]) -> list[str]:
    """What is wrong with a question's choices, given whether each one is correct."""
    problems = []
    right = sum(1 for flag in correct if flag)
    if kind in CHOICE_KINDS:
        if not MIN_CHOICES <= len(correct) <= MAX_CHOICES:
            problems.append(
                f"a {kind}-choice question needs {MIN_CHOICES} to {MAX_CHOICES} choices"
            )
        if kind == "single" and right != 1:
            problems.append(
                f"a single-choice question needs exactly one correct choice (found {right})"
            )
        if kind == "multiple" and right < 1:
            problems.append("a multiple-choice question needs a correct choice")
    elif correct:
        problems.append("only single and multiple choice questions have choices")
    return problems


def answer_problems(
    *, kind: str, answer: float | None, tolerance: float, accepted: Sequence[object]
) -> dict[str, str]:
    """What is wrong with a question's answer fields, by field ("answer", "accepted")."""
    problems: dict[str, str] = {}
    if kind == "numeric" and answer is None:
        problems["answer"] = "a numeric question needs 'answer'"
    if kind != "numeric" and (answer is not None or tolerance):
        problems["answer"] = "only numeric questions have 'answer' and 'tolerance'"
    given = [a for a in accepted if isinstance(a, str) and a.strip()]
    if kind == "short" and not given:
        problems["accepted"] = "a short question needs at least one 'accepted' answer"
    if kind != "short" and given:
        problems["accepted"] = "only short questions have 'accepted' answers"
    return problems


def question_problems(
    *,
    kind: str,
    correct: Sequence[bool],
    answer: float | None,
    tolerance: float,
    accepted: Sequence[object],
) -> list[str]:
    """Every rule a question breaks: its choices, then its answer fields."""
    fields = answer_problems(kind=kind, answer=answer, tolerance=tolerance, accepted=accepted)
    return choice_problems(kind=kind, correct=correct) + list(fields.values())


def bank_problem(*, title: str, questions_per_attempt: int, bank: int) -> str:
    """The authoring rule behind fresh items: an assessment bank of at least BANK_FACTOR
    times the questions an attempt draws. Empty when the bank is large enough."""
    needed = BANK_FACTOR * questions_per_attempt
    if bank >= needed:
        return ""
    return (
        f'quiz "{title}" draws {questions_per_attempt} questions per attempt, so fresh draws '
        f"need at least {needed} assessment questions ({BANK_FACTOR} x {questions_per_attempt})"
        f"; its bank has {bank}: add {needed - bank} or lower questions_per_attempt"
    )


def sentence(problem: str) -> str:
    """A problem as a form shows it: capitalised, with a full stop."""
    return problem[:1].upper() + problem[1:] + "."
