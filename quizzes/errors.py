"""The one refusal of the Learning Center's rules (attempts, grading, flashcards)."""


class LearningRefused(Exception):
    """A learner asked for something the rules do not allow now; the message says why."""
