"""Is every phase measurable? The content rules of issue 12, read from track-file data.

`check_track(data)` takes a track file as loaded YAML (a seed file, or `export_track`'s
output for a track in the database), so tracks needs neither quizzes nor mentors to read the
`quiz`, `deck` and `rubric` sections. A phase is *measurable* when:

- its quiz's assessment bank holds at least 3x the questions drawn per attempt (fresh draws);
- every skill tagged on assessment questions is on at least 4 of them (skill mastery);
- a learner who knows nothing and always picks the longest choice (on "select all that
  apply", every choice) cannot reach the pass mark, however lucky the draw (`longest_guess`);
- it has at least 6 practice questions, 12 cards and 2 resources;
- a rubric covers its key actions that need evidence;
- its gate has quiz_score, card_retention, skill_mastery and evidence_approved (study
  phases) or evidence_approved (on-the-job phases, assessed on work done).

Prose is checked apart: a text whose paragraph runs over several lines is hard-wrapped.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from tracks.templatetags.prose import hard_wrapped

BANK_FACTOR = 3
DEFAULT_PASS_MARK = 80  # percent, as in the track-file format
MIN_QUESTIONS_PER_SKILL = 4
MIN_PRACTICE = 6
MIN_CARDS = 12
MIN_RESOURCES = 2
STUDY_GATE = ("quiz_score", "skill_mastery", "card_retention", "evidence_approved")
ON_THE_JOB_GATE = ("evidence_approved",)


@dataclass
class Line:
    ok: bool
    text: str


@dataclass
class PhaseReport:
    order: int
    title: str
    lines: list[Line] = field(default_factory=list)
    wrapped: list[str] = field(default_factory=list)  # where hard-wrapped texts are

    @property
    def measurable(self) -> bool:
        return all(line.ok for line in self.lines)

    def add(self, ok: bool, text: str) -> None:
        self.lines.append(Line(ok, text))


@dataclass
class TrackReport:
    slug: str
    title: str
    published: bool
    phases: list[PhaseReport]
    wrapped: list[str]  # track-level texts (description, FAQs...)

    @property
    def measurable(self) -> int:
        return sum(1 for phase in self.phases if phase.measurable)

    @property
    def wrapped_count(self) -> int:
        return len(self.wrapped) + sum(len(phase.wrapped) for phase in self.phases)

    @property
    def passes(self) -> bool:
        return self.measurable == len(self.phases) and self.wrapped_count == 0


def _wrapped_texts(node: object, path: str) -> list[str]:
    if isinstance(node, str):
        return [path] if hard_wrapped(node) else []
    if isinstance(node, dict):
        return [w for key, value in node.items() for w in _wrapped_texts(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [w for i, value in enumerate(node) for w in _wrapped_texts(value, f"{path}[{i}]")]
    return []


def longest_choice_is_right(question: dict) -> bool:
    """Whether always picking the longest choice answers `question` right without reading it:
    on a single-choice question the longest choice (the first of them on a tie, in file
    order) is the only correct one; on a multiple-choice one every choice is correct, so
    selecting all is right. Numeric and short answers cannot be picked from a list."""
    choices = question.get("choices") or []
    if not choices:
        return False
    if question.get("kind") == "multiple":
        return all(choice.get("correct") for choice in choices)
    longest = max(choices, key=lambda choice: len(choice.get("text", "")))
    return bool(longest.get("correct")) and sum(bool(c.get("correct")) for c in choices) == 1


@dataclass(frozen=True)
class LongestGuess:
    """The longest-choice strategy against a quiz, on the luckiest draw."""

    keys: tuple[str, ...]  # the assessment questions it answers right
    needed: int  # right answers that pass one attempt
    per_attempt: int

    @property
    def passes(self) -> bool:
        """Whether a draw of only those questions reaches the pass mark."""
        return self.needed > 0 and min(len(self.keys), self.per_attempt) >= self.needed


def longest_guess(quiz: dict) -> LongestGuess:
    """How a learner who knows nothing and always picks the longest choice (or, on "select
    all that apply", every choice) fares on `quiz` (track-file data): the assessment questions
    it gets right, and the right answers an attempt needs, ceil(pass mark % x questions per
    attempt), since grading floors the score."""
    questions = quiz.get("questions") or []
    assessment = [q for q in questions if q.get("pool", "assessment") == "assessment"]
    per_attempt = quiz.get("questions_per_attempt", 0)
    pass_mark = quiz.get("pass_mark", DEFAULT_PASS_MARK)
    return LongestGuess(
        keys=tuple(q.get("key", "") for q in assessment if longest_choice_is_right(q)),
        needed=math.ceil(pass_mark * per_attempt / 100),
        per_attempt=per_attempt,
    )


def _longest_guess_line(quiz: dict) -> Line:
    guess = longest_guess(quiz)
    right = len(guess.keys)
    said = f"longest-choice guess: right on {right} assessment question{'s' if right != 1 else ''}"
    if not guess.passes:
        return Line(True, f"{said}, fewer than the {guess.needed} of {guess.per_attempt} that pass")
    shown = ", ".join(guess.keys[:4]) + (f" and {right - 4} more" if right > 4 else "")
    return Line(
        False,
        f"{said} ({shown}), so a learner who always picks the longest choice passes a lucky "
        f"draw ({guess.needed} of {guess.per_attempt} right) without knowing anything. On at "
        f"least {right - guess.needed + 1} of them, make a wrong choice the longest or word the "
        'right one more briefly; on "select all that apply", add a choice that is wrong',
    )


def check_phase(phase: dict, index: int = 0) -> PhaseReport:
    report = PhaseReport(order=phase.get("order", 0), title=phase.get("title", ""))
    quiz = phase.get("quiz") or {}
    questions = quiz.get("questions") or []
    assessment = [q for q in questions if q.get("pool", "assessment") == "assessment"]
    practice = [q for q in questions if q.get("pool") == "practice"]
    per_attempt = quiz.get("questions_per_attempt", 0)
    if not quiz:
        report.add(False, "quiz: none")
    else:
        need = BANK_FACTOR * per_attempt
        report.add(
            len(assessment) >= need,
            f"assessment bank: {len(assessment)} of {need} needed "
            f"({BANK_FACTOR} x {per_attempt} per attempt)",
        )
    tagged = Counter(skill for q in assessment for skill in q.get("skills", []))
    if quiz:
        short = {s: n for s, n in tagged.items() if n < MIN_QUESTIONS_PER_SKILL}
        shown = ", ".join(f"{s} {n}" for s, n in sorted(tagged.items())) or "no skill tagged"
        report.add(
            bool(tagged) and not short,
            f"questions per skill (need {MIN_QUESTIONS_PER_SKILL}): {shown}",
        )
        report.lines.append(_longest_guess_line(quiz))
    report.add(len(practice) >= MIN_PRACTICE, f"practice: {len(practice)} of {MIN_PRACTICE}")
    cards = (phase.get("deck") or {}).get("cards") or []
    report.add(len(cards) >= MIN_CARDS, f"cards: {len(cards)} of {MIN_CARDS}")
    resources = phase.get("resources") or []
    report.add(len(resources) >= MIN_RESOURCES, f"resources: {len(resources)} of {MIN_RESOURCES}")
    evidence = [a for a in phase.get("key_actions") or [] if a.get("needs_evidence")]
    rubric = phase.get("rubric")
    if not evidence:
        report.add(False, "rubric: no key action needs evidence, so a mentor never sees work")
    elif rubric:
        report.add(
            True,
            f'rubric: "{rubric.get("title", "")}" covers {len(evidence)} '
            f"key action{'s' if len(evidence) != 1 else ''} needing evidence",
        )
    else:
        report.add(
            False,
            f"rubric: none for {len(evidence)} key action{'s' if len(evidence) != 1 else ''} "
            "needing evidence",
        )
    kinds = [c.get("kind") for c in phase.get("gate") or []]
    wanted = ON_THE_JOB_GATE if phase.get("on_the_job") else STUDY_GATE
    missing = [kind for kind in wanted if kind not in kinds]
    report.add(
        not missing,
        f"gate: {', '.join(kinds) or 'none'}"
        + (f"; missing {', '.join(missing)}" if missing else ""),
    )
    report.wrapped = _wrapped_texts(
        {k: v for k, v in phase.items() if k != "gate"}, f"phases[{index}]"
    )
    return report


def check_track(data: dict) -> TrackReport:
    track = data.get("track") or {}
    top = {k: v for k, v in data.items() if k != "phases"}
    return TrackReport(
        slug=track.get("slug", ""),
        title=track.get("title", ""),
        published=track.get("status") == "published",
        phases=[check_phase(phase, i) for i, phase in enumerate(data.get("phases") or [])],
        wrapped=[w.lstrip(".") for w in _wrapped_texts(top, "")],
    )
