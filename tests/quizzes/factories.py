"""Moved to `tests.factories` (one set of builders). Kept only for tests/mentors/ai, which
h18ai moves to tests/ai_mentor: once it imports `tests.factories`, delete this module."""

from tests.factories import CardFactory, DeckFactory, QuizFactory, numeric, single

__all__ = ["CardFactory", "DeckFactory", "QuizFactory", "numeric", "single"]
