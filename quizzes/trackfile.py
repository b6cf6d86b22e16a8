"""The `quiz` and `deck` sections of each phase in track files (docs/track-format.md).

Registered with tracks.trackfile from QuizzesConfig.ready(). Questions and cards are matched by
`key`, so a re-import updates them in place; those that left the file are retired
(`is_active=False`), never deleted, so attempts and reviews recorded against them survive.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from quizzes.models import Card, Choice, Deck, Question, Quiz, SkillParameters
from quizzes.rules import bank_problem, question_problems
from tracks.models import Phase, Skill
from tracks.trackfile import Slug, Text, _Strict, register_phase_section, write_in_place


class ChoiceSpec(_Strict):
    text: Text
    correct: bool = False


class QuestionSpec(_Strict):
    key: Slug
    kind: Literal["single", "multiple", "numeric", "short"]
    pool: Literal["assessment", "practice"] = "assessment"
    difficulty: Annotated[int, Field(ge=1, le=3)] = 2
    skills: list[Slug] = []
    prompt: Text
    explanation: str = ""
    choices: list[ChoiceSpec] = []
    answer: int | float | None = None
    tolerance: Annotated[float, Field(ge=0)] = 0
    accepted: list[Text] = []


class QuizSpec(_Strict):
    title: Text
    pass_mark: Annotated[int, Field(ge=1, le=100)] = 80
    questions_per_attempt: Annotated[int, Field(ge=1, le=200)]
    time_limit_minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    cooldown_minutes: Annotated[int, Field(ge=0, le=100_000)] = 0
    attempts_per_day: Annotated[int, Field(ge=1, le=100)] | None = None
    questions: list[QuestionSpec] = []


class CardSpec(_Strict):
    key: Slug
    front: Text
    back: Text
    skills: list[Slug] = []


class DeckSpec(_Strict):
    title: Text
    cards: list[CardSpec] = []


# --- Checks the types cannot make -----------------------------------------------------------


def _duplicate_keys(items: list, where: str) -> list[str]:
    seen: set[str] = set()
    problems = []
    for i, item in enumerate(items):
        if item.key in seen:
            problems.append(f"{where}[{i}]: duplicate key {item.key!r}")
        seen.add(item.key)
    return problems


def check_quiz(spec: BaseModel, skills: set[str]) -> list[str]:
    assert isinstance(spec, QuizSpec)
    problems = _duplicate_keys(spec.questions, "questions")
    for i, q in enumerate(spec.questions):
        where = f'questions[{i}] "{q.key}"'
        problems.extend(
            f"{where}: {problem}"
            for problem in question_problems(
                kind=q.kind,
                correct=[c.correct for c in q.choices],
                answer=q.answer,
                tolerance=q.tolerance,
                accepted=q.accepted,
            )
        )
        problems.extend(
            f"{where}: unknown skill '{s}' (list it under 'skills')"
            for s in q.skills
            if s not in skills
        )
    assessment = sum(1 for q in spec.questions if q.pool == "assessment")
    problem = bank_problem(
        title=spec.title, questions_per_attempt=spec.questions_per_attempt, bank=assessment
    )
    if problem:
        problems.append(problem)
    return problems


def check_deck(spec: BaseModel, skills: set[str]) -> list[str]:
    assert isinstance(spec, DeckSpec)
    problems = _duplicate_keys(spec.cards, "cards")
    for i, card in enumerate(spec.cards):
        problems.extend(
            f"cards[{i}] \"{card.key}\": unknown skill '{s}' (list it under 'skills')"
            for s in card.skills
            if s not in skills
        )
    return problems


# --- Import ---------------------------------------------------------------------------------


def write_quiz(phase: Phase, spec: BaseModel | None, skills: dict[str, Skill]) -> None:
    if spec is None:
        Quiz.objects.filter(phase=phase).update(is_active=False)
        return
    assert isinstance(spec, QuizSpec)
    quiz, _ = Quiz.objects.update_or_create(
        phase=phase,
        defaults={
            **spec.model_dump(exclude={"questions"}),
            "is_active": True,
        },
    )
    quiz.questions.exclude(key__in=[q.key for q in spec.questions]).update(is_active=False)
    for order, q in enumerate(spec.questions, start=1):
        question, _ = Question.objects.update_or_create(
            quiz=quiz,
            key=q.key,
            defaults={
                "order": order,
                "kind": q.kind,
                "pool": q.pool,
                "difficulty": q.difficulty,
                "prompt": q.prompt,
                "explanation": q.explanation,
                "answer": q.answer,
                "tolerance": q.tolerance,
                "accepted": list(q.accepted),
                "is_active": True,
            },
        )
        question.skills.set([skills[slug] for slug in q.skills])
        _write_choices(question, q.choices)
    # Parameters rows for every tagged skill, so admins find them ready to tune.
    tagged = {slug for q in spec.questions for slug in q.skills}
    SkillParameters.objects.bulk_create(
        [SkillParameters(skill=skills[slug]) for slug in sorted(tagged)], ignore_conflicts=True
    )


def _write_choices(question: Question, specs: list[ChoiceSpec]) -> None:
    # In place, so the choice ids stored in learners' answers keep their meaning when a typo
    # is fixed.
    write_in_place(
        Choice,
        list(question.choices.order_by("order", "id")),
        [
            {"order": order, "text": c.text, "correct": c.correct}
            for order, c in enumerate(specs, start=1)
        ],
        question=question,
    )


def write_deck(phase: Phase, spec: BaseModel | None, skills: dict[str, Skill]) -> None:
    if spec is None:
        Deck.objects.filter(phase=phase).update(is_active=False)
        return
    assert isinstance(spec, DeckSpec)
    deck, _ = Deck.objects.update_or_create(
        phase=phase, defaults={"title": spec.title, "is_active": True}
    )
    deck.cards.exclude(key__in=[c.key for c in spec.cards]).update(is_active=False)
    for order, c in enumerate(spec.cards, start=1):
        card, _ = Card.objects.update_or_create(
            deck=deck,
            key=c.key,
            defaults={"order": order, "front": c.front, "back": c.back, "is_active": True},
        )
        card.skills.set([skills[slug] for slug in c.skills])


# --- Export ---------------------------------------------------------------------------------


def _number(value: float | None) -> int | float | None:
    return int(value) if value is not None and float(value).is_integer() else value


def export_quiz(phase: Phase) -> QuizSpec | None:
    quiz = Quiz.objects.filter(phase=phase, is_active=True).first()
    if quiz is None:
        return None
    questions = quiz.questions.filter(is_active=True).prefetch_related("choices", "skills")
    return QuizSpec(
        title=quiz.title,
        pass_mark=quiz.pass_mark,
        questions_per_attempt=quiz.questions_per_attempt,
        time_limit_minutes=quiz.time_limit_minutes,
        cooldown_minutes=quiz.cooldown_minutes,
        attempts_per_day=quiz.attempts_per_day,
        questions=[
            QuestionSpec(
                key=q.key,
                kind=q.kind,
                pool=q.pool,
                difficulty=q.difficulty,
                skills=sorted(s.slug for s in q.skills.all()),
                prompt=q.prompt,
                explanation=q.explanation,
                choices=[ChoiceSpec(text=c.text, correct=c.correct) for c in q.choices.all()],
                answer=_number(q.answer),
                tolerance=q.tolerance,
                accepted=q.accepted,
            )
            for q in questions.order_by("order", "id")
        ],
    )


def export_deck(phase: Phase) -> DeckSpec | None:
    deck = Deck.objects.filter(phase=phase, is_active=True).first()
    if deck is None:
        return None
    return DeckSpec(
        title=deck.title,
        cards=[
            CardSpec(
                key=c.key,
                front=c.front,
                back=c.back,
                skills=sorted(s.slug for s in c.skills.all()),
            )
            for c in deck.cards.filter(is_active=True).prefetch_related("skills")
        ],
    )


def register() -> None:
    register_phase_section(
        "quiz", spec=QuizSpec, write=write_quiz, export=export_quiz, check=check_quiz
    )
    register_phase_section(
        "deck", spec=DeckSpec, write=write_deck, export=export_deck, check=check_deck
    )
