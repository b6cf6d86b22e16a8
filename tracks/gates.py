"""Gate criteria: the registry of criterion kinds and the results they report.

A phase's gate is a list of `GateCriterion` rows (kind + params). Each kind is a
`CriterionKind` registered here: `tracks` registers `key_actions_done`; `quizzes` registers
`quiz_score`, `skill_mastery` and `card_retention`; `mentors` registers `evidence_approved`
(each from its AppConfig.ready), so `tracks` imports neither app.

A kind evaluates from the database alone, in a fixed number of queries whatever the number
of attempts, reviews or submissions, and says in a sentence what is missing. Every kind
counts evidence through `evidence_window` (below): one rule, in one place.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q

if TYPE_CHECKING:
    from tracks.models import Enrollment, Phase, Track


@dataclass(frozen=True)
class Param:
    """One parameter of a criterion kind: a whole number within bounds, with a default."""

    name: str
    label: str
    default: int
    minimum: int
    maximum: int


@dataclass(frozen=True)
class CriterionResult:
    """One criterion of a gate, as the learner sees it and as the audit trail keeps it."""

    kind: str
    label: str
    met: bool
    current: str  # "65 %", "2 of 3 skills"
    required: str  # "80 %", "every skill at 0.95"
    sentence: str  # "Best 65 %, needs 80 %."
    progress: float  # 0.0 - 1.0, for the progress bar
    link: str = ""  # where to go to move it
    link_label: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)  # snapshot for the progress event
    # When the result changes by the clock alone (a card falls due); None when only new
    # evidence changes it. A cached report is not served past it (`progression.report_for`).
    valid_until: datetime | None = None

    @property
    def percent(self) -> int:
        return round(max(0.0, min(1.0, self.progress)) * 100)

    def snapshot(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "met": self.met,
            "current": self.current,
            "required": self.required,
            "sentence": self.sentence,
            "evidence": self.evidence,
        }


# How urgent a next step is (lower first): feedback to act on, an attempt left open, cards
# due (they fade), a deck to start (its retention window starts the day it does), an
# available quiz, the next key action, work to send; waiting comes last.
RANK_REVISE = 10
RANK_RESUME = 15
RANK_DUE = 20
RANK_START = 25
RANK_QUIZ = 30
RANK_KEY_ACTION = 50
RANK_SEND = 60
RANK_OTHER = 70
RANK_WAIT = 90


@dataclass(frozen=True)
class NextStep:
    """One concrete thing to do now to move a criterion, as a link, with why it was chosen.

    `waiting`: nothing to do for this criterion but wait (a mentor's review, a cooldown);
    `url` then leads to where the wait is followed."""

    label: str
    url: str
    reason: str
    rank: int = RANK_OTHER
    waiting: bool = False


def default_next_step(
    enrollment: "Enrollment", phase: "Phase", result: CriterionResult
) -> NextStep | None:
    """The criterion's own link, for a kind that says nothing more precise."""
    if result.met or not result.link:
        return None
    return NextStep(label=result.link_label, url=result.link, reason=result.sentence)


@dataclass(frozen=True)
class CriterionKind:
    """A kind of gate criterion.

    - `self_reported`: evidence the learner asserts (ticks); a gate made only of such kinds
      is refused, because nobody may talk their way past a gate.
    - `check(phase, params)`: sentences saying what is wrong for this phase (e.g. "the phase
      has no quiz"), empty when the criterion can be met.
    - `evaluate(enrollment, phase, params)`: the current result, read from the database.
    - `publish_check(track)`: sentences saying why a track whose gates use this kind cannot
      be published now (e.g. nobody would review the evidence it asks for); empty when it can.
    - `minimum_days(phase, params)`: the fewest calendar days, the first one included, in
      which a learner who does everything right could meet the criterion (a retention
      window, a review promise, a quiz's cooldowns and daily limit). The plan never gives a
      phase less time than the largest minimum of its gate, so a new kind brings its own
      minimum. Default: 0 (nothing in the criterion itself takes calendar time).
    - `next_step(enrollment, phase, result)`: the concrete step that moves an unmet
      criterion now (a `NextStep`), read mostly from the result's evidence; None when met.
    """

    key: str
    label: str
    description: str
    evaluate: Callable[["Enrollment", "Phase", dict[str, int]], CriterionResult]
    params: tuple[Param, ...] = ()
    self_reported: bool = False
    check: Callable[["Phase", dict[str, int]], list[str]] = lambda phase, params: []
    summary: Callable[[dict[str, int]], str] | None = None  # "a quiz score of 80 % or more"
    publish_check: Callable[["Track"], list[str]] = lambda track: []
    minimum_days: Callable[["Phase", dict[str, int]], int] = lambda phase, params: 0
    next_step: Callable[["Enrollment", "Phase", CriterionResult], NextStep | None] = (
        default_next_step
    )

    def describe(self, raw_params: dict[str, Any] | None) -> str:
        """The criterion in a few words for the learner, parameters included."""
        if self.summary is None:
            return self.label.lower()
        try:
            return self.summary(self.clean_params(raw_params))
        except ValidationError:
            return self.label.lower()

    def clean_params(self, raw: dict[str, Any] | None) -> dict[str, int]:
        """The params with defaults filled in; ValidationError naming a bad or unknown one."""
        raw = dict(raw or {})
        known = {p.name: p for p in self.params}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            allowed = ", ".join(known) or "none"
            raise ValidationError(
                f"{self.key}: unknown parameter '{unknown[0]}' (allowed: {allowed})."
            )
        cleaned = {}
        for param in self.params:
            value = raw.get(param.name, param.default)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(f"{self.key}: {param.name} must be a whole number.")
            if not param.minimum <= value <= param.maximum:
                raise ValidationError(
                    f"{self.key}: {param.name} {value} is outside {param.minimum}-{param.maximum}."
                )
            cleaned[param.name] = value
        return cleaned


# --- The evidence window -------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceWindow:
    """Which of a learner's evidence a gate counts: what was recorded since enrolling.

    The one rule for every criterion kind (docs/gates.md): a quiz attempt counts when it was
    started, a graded answer's skill evidence when it was recorded, a card review when it was
    made, a tick when it was ticked, and a submission when it was started, all at or after
    `start`, the moment the learner enrolled on the track (the enrollment is one row per
    learner and track: pausing and resuming keeps it). Evidence from before, made while
    browsing the Learning Center, could otherwise skip the test-out rule.

    One carry-in, so no rule leaves a learner stuck: work a mentor *approved* before the
    learner enrolled counts. Approval is final and a key action has one live submission, so
    the learner could neither withdraw it nor send it again; not counting it deadlocked every
    phase with a single evidence key action. It is still a mentor's judgment of that very
    work, never the learner's own word.
    """

    start: datetime

    def q(self, field: str, *, carried_in: Q | None = None) -> Q:
        """A filter keeping the rows whose `field` (a moment) is inside the window, plus the
        rows `carried_in` names (only mentor-approved submissions use it)."""
        inside = Q(**{f"{field}__gte": self.start})
        return inside | carried_in if carried_in is not None else inside

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and moment >= self.start


def evidence_window(enrollment: "Enrollment") -> EvidenceWindow:
    """The evidence window of an enrollment (no query)."""
    return EvidenceWindow(start=enrollment.created_at)


_kinds: dict[str, CriterionKind] = {}


def register(kind: CriterionKind) -> CriterionKind:
    """Add a criterion kind (from an AppConfig.ready); the same key again replaces it."""
    _kinds[kind.key] = kind
    return kind


def get_kind(key: str) -> CriterionKind | None:
    return _kinds.get(key)


def kinds() -> list[CriterionKind]:
    return sorted(_kinds.values(), key=lambda k: k.key)


def describe_criterion(key: str, raw_params: dict[str, Any] | None) -> str:
    """A criterion in a few words for the learner ("a quiz score of 80 % or more"); the
    kind's code when its app is gone."""
    kind = get_kind(key)
    return kind.describe(raw_params) if kind else key


def kind_choices() -> list[tuple[str, str]]:
    return [(k.key, k.label) for k in kinds()]


def gate_minimum_days(phase: "Phase", criteria: list[tuple[str, dict[str, Any] | None]]) -> int:
    """The fewest days the gate of `phase` can be met in: the largest minimum of its criteria
    (they can be worked on side by side). Unknown kinds and bad parameters count as 0: the
    gate's validation reports them, a plan should not fail on them."""
    days = 0
    for key, raw in criteria:
        kind = get_kind(key)
        if kind is None:
            continue
        try:
            params = kind.clean_params(raw)
        except ValidationError:
            continue
        days = max(days, kind.minimum_days(phase, params))
    return days


def gate_problems(phase: "Phase", criteria: list[tuple[str, dict[str, Any] | None]]) -> list[str]:
    """Why this list of (kind, params) cannot be the gate of `phase`; empty when it can.

    Refuses unknown kinds, bad parameters, criteria that refer to what the phase does not have
    (no quiz, no deck, no skill to measure), duplicates, and a gate made only of self-reported
    criteria.
    """
    problems: list[str] = []
    seen: set[str] = set()
    for key, params in criteria:
        kind = get_kind(key)
        if kind is None:
            known = ", ".join(k.key for k in kinds())
            problems.append(f"unknown criterion kind '{key}' (known: {known})")
            continue
        if key in seen:
            problems.append(f"{key} appears twice")
        seen.add(key)
        try:
            cleaned = kind.clean_params(params)
        except ValidationError as exc:
            problems.extend(exc.messages)
            continue
        problems.extend(f"{key}: {sentence}" for sentence in kind.check(phase, cleaned))
    if criteria and all(
        (kind := get_kind(key)) is not None and kind.self_reported for key, _ in criteria
    ):
        problems.append(
            "a gate made only of self-reported criteria (key_actions_done) can be talked past: "
            "add a criterion backed by evidence (quiz_score, skill_mastery, evidence_approved)"
        )
    return problems
