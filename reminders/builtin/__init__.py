"""Edirae's reminder kinds, wired to the data of `tracks`, `quizzes` and `mentors`.

Registered by `RemindersConfig.ready()`. `reminders` imports those apps; none of them imports
`reminders` (evidence reviews and escalations reach learners, mentors and staff because the
sweep finds them in the data, not because `mentors` calls us).

Each kind's `due` runs a fixed number of queries whatever the number of users (correlated
subqueries and joins over the `recipients` queryset, never a query per user) and decides
with the pure rules of `reminders.rules`. `content` runs at delivery, for one user: it may
read that user's data.

**Learners** (the first four kinds) are recipients with an *active* enrollment whose track
is not finished (at least one phase not mastered). A learner whose only enrollments are
paused, or who mastered every phase, gets none of them.

**Study** is what Edirae records a learner doing: starting, answering and finishing quiz
attempts, reviewing flashcards, ticking key actions, writing and sending evidence. For the
weekly goal it is turned into minutes as `reminders.rules.study_minutes` says (attempts by
their duration, capped; card reviews by a fixed estimate; ticks and evidence by a fixed,
conservative credit): an estimate, said as such in the mail.

One module per family: `learning` (inactivity, cards due, weekly goal, weekly digest),
`evidence` (evidence reviewed, evidence waiting), and the queries the learner kinds share
(`queries`: who is a learner, last study, study totals, local weeks, the next step).
"""

from reminders.builtin.evidence import EvidenceReviewed, EvidenceWaiting
from reminders.builtin.learning import CardsDue, Inactivity, WeeklyDigest, WeeklyGoal
from reminders.kinds import Kind, Registry

BUILTIN_KINDS: tuple[type[Kind], ...] = (
    Inactivity,
    CardsDue,
    WeeklyGoal,
    WeeklyDigest,
    EvidenceReviewed,
    EvidenceWaiting,
)


def register_builtin_kinds(registry: Registry) -> None:
    """Registers Edirae's kinds (safe twice: the registry accepts the same kind again)."""
    for kind in BUILTIN_KINDS:
        registry.register(kind())
