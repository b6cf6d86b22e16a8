"""Practice on the learner's weakest skills, from the *practice* pool only.

Practice is formative: answers are graded at once with the authored explanation and kept as
`PracticeAnswer` rows, never as quiz `Attempt`s, so they never count toward a quiz's best
score or a gate. Practice never writes `SkillMastery` either: the only writer of the skill
estimates that `skill_mastery` criteria read is the skill-evidence service of quizzes
(`quizzes.services.record_skill_evidence`, fed by graded assessment attempts). Practice
questions are not drawn fresh, may be answered again and again and show their answer at
once, so counting them would let a learner farm a gate. Questions of the assessment pool,
which gated quizzes draw from, are never served.
"""

import random
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from ai_mentor.models import PracticeAnswer
from quizzes.answers import is_correct
from quizzes.models import Choice, Question, SkillMastery
from tracks.models import Phase, Skill

# Questions answered this recently are served again only when nothing else is left.
RECENT = 5
DEFAULT_P_INIT = 0.25


def practice_pool(*, phase: Phase) -> QuerySet[Question]:
    """The phase's active practice questions. Never the assessment pool."""
    return Question.objects.filter(
        quiz__phase=phase,
        quiz__is_active=True,
        is_active=True,
        pool=Question.Pool.PRACTICE,
    )


@dataclass(frozen=True)
class PracticePick:
    question: Question
    skill: Skill | None  # the weakest skill the question trains
    p_known: float | None  # the learner's estimate of it (None: no evidence yet)


def next_question(
    *,
    learner: User,
    phase: Phase,
    skill: Skill | None = None,
    rng: random.Random | None = None,
) -> PracticePick | None:
    """A practice question for the learner's weakest skill of the phase (lowest estimate;
    skills without evidence count at their prior), avoiding the last few answered. None when
    the phase has no practice questions (for `skill`). Reads only; four queries.
    """
    rng = rng or random.Random()
    questions = practice_pool(phase=phase)
    if skill is not None:
        questions = questions.filter(skills=skill)
    candidates = list(
        questions.prefetch_related("skills", Prefetch("choices", Choice.objects.order_by("order")))
    )
    if not candidates:
        return None
    skill_ids = {s.pk for q in candidates for s in q.skills.all()}
    estimates = dict(
        SkillMastery.objects.filter(learner=learner, skill_id__in=skill_ids).values_list(
            "skill_id", "p_known"
        )
    )
    recent = set(
        PracticeAnswer.objects.filter(learner=learner, question__in=candidates)
        .order_by("-answered_at", "-id")
        .values_list("question_id", flat=True)[:RECENT]
    )

    def weakest(question: Question) -> tuple[float, Skill | None]:
        skills = [s for s in question.skills.all() if skill is None or s.pk == skill.pk]
        if not skills:
            return 1.0, None
        pick = min(skills, key=lambda s: (estimates.get(s.pk, DEFAULT_P_INIT), s.name))
        return estimates.get(pick.pk, DEFAULT_P_INIT), pick

    ranked = sorted(candidates, key=lambda q: (q.pk in recent, weakest(q)[0], rng.random(), q.pk))
    question = ranked[0]
    _, weak = weakest(question)
    return PracticePick(
        question=question, skill=weak, p_known=estimates.get(weak.pk) if weak else None
    )


def grade_practice(
    *,
    learner: User,
    question: Question,
    selected: list[int],
    text: str,
    now: datetime | None = None,
) -> PracticeAnswer:
    """Grade a practice answer at once and keep it. Refuses assessment questions.

    Changes no skill estimate, grade or progress (see the module docstring). Never creates
    an Attempt. Not idempotent by design: each answer is a new practice answer.
    """
    if question.pool != Question.Pool.PRACTICE:
        raise ValueError("Practice never grades assessment questions.")
    now = now or timezone.now()
    valid = {c.pk for c in question.choices.all()}
    chosen = sorted({pk for pk in selected if pk in valid})
    if question.kind == Question.Kind.SINGLE:
        chosen = chosen[:1]
    answer_text = "" if question.is_choice else text.strip()[:300]
    correct = is_correct(question=question, selected=chosen, text=answer_text)
    return PracticeAnswer.objects.create(
        learner=learner,
        question=question,
        selected=chosen,
        text=answer_text,
        correct=correct,
        answered_at=now,
    )
