"""The one set of test builders: `from tests.factories import enroll, build_quiz, ...`.

Plain functions and factory_boy factories that write rows; fixtures (which choose *which*
rows a test starts from) stay in the conftest files and call these. One module per app.
"""

from tests.factories.accounts import PASSWORD, UserFactory, verified_user
from tests.factories.mentors import (
    evidence,
    fresh_rubric,
    levels_for,
    make_mentor,
    reviewed,
    sent_evidence,
)
from tests.factories.quizzes import (
    AttemptFactory,
    CardFactory,
    DeckFactory,
    QuestionFactory,
    QuizFactory,
    build_deck,
    build_quiz,
    card_reviews,
    due_cards,
    multiple,
    numeric,
    short,
    single,
)
from tests.factories.reminders import learner_in, learning_track, utc
from tests.factories.tracks import (
    KeyActionFactory,
    PhaseFactory,
    ResourceFactory,
    SkillFactory,
    TrackFactory,
    build_track,
    criterion,
    enroll,
    finish,
    goals_for,
    master_first_phase,
    phase_states,
    set_gate,
    tick,
)

__all__ = [
    "PASSWORD",
    "AttemptFactory",
    "CardFactory",
    "DeckFactory",
    "KeyActionFactory",
    "PhaseFactory",
    "QuestionFactory",
    "QuizFactory",
    "ResourceFactory",
    "SkillFactory",
    "TrackFactory",
    "UserFactory",
    "build_deck",
    "build_quiz",
    "build_track",
    "card_reviews",
    "criterion",
    "due_cards",
    "enroll",
    "evidence",
    "finish",
    "fresh_rubric",
    "goals_for",
    "learner_in",
    "learning_track",
    "levels_for",
    "make_mentor",
    "master_first_phase",
    "multiple",
    "numeric",
    "phase_states",
    "reviewed",
    "sent_evidence",
    "set_gate",
    "short",
    "single",
    "tick",
    "utc",
    "verified_user",
]
