"""Moved to `tests.factories` (one set of builders). Kept only so that test modules written
against the old path (tests/ai_mentor, and any added on main meanwhile) still import; once
they import `tests.factories`, delete this module."""

from tests.factories.quizzes import (
    AttemptFactory,
    CardFactory,
    DeckFactory,
    QuestionFactory,
    QuizFactory,
    build_deck,
    build_quiz,
    multiple,
    numeric,
    short,
    single,
)

__all__ = [
    "AttemptFactory",
    "CardFactory",
    "DeckFactory",
    "QuestionFactory",
    "QuizFactory",
    "build_deck",
    "build_quiz",
    "multiple",
    "numeric",
    "short",
    "single",
]
