"""The criterion kinds backed by the Learning Center: quiz_score, skill_mastery, card_retention.

Registered with tracks.gates from QuizzesConfig.ready(); card_retention is defined in
quizzes/card_gate.py. Each evaluates in a fixed number of queries whatever the number of
attempts, responses and reviews, and counts only evidence inside the enrollment's evidence
window (`tracks.gates.evidence_window`). docs/gates.md says
what each measures and how it resists a learner who does not know the material.
"""

import math
from dataclasses import dataclass, field

from django.db.models import Count, F
from django.urls import reverse

from quizzes.card_gate import CARD_RETENTION
from quizzes.card_gate import phase_link as _phase_link
from quizzes.models import (
    MASTERY_MIN_QUESTIONS,
    MASTERY_MIN_RESPONSES,
    MASTERY_THRESHOLD,
    SKILL_MIN_QUESTIONS,
    Attempt,
    MasteryEvent,
    Question,
    ReviewLog,
)
from quizzes.rules import bank_problem, question_problems
from quizzes.selectors import (
    attempts_needed,
    counted_attempts,
    kept_latest_attempts,
    quiz_availability,
)
from quizzes.services import DEFAULT_BKT, bkt_step
from tracks import gates, momentum
from tracks.models import Enrollment, Phase, Skill

# --- quiz_score -----------------------------------------------------------------------------


def _check_quiz(phase: Phase, params: dict[str, int]) -> list[str]:
    quiz = _active_quiz(phase)
    if not quiz:
        return [f"{phase} has no quiz: add one (or remove this criterion)"]
    # The question rules again, on what the database holds (admin edits never meet the
    # import's check): publishing refuses a quiz with a question nobody can answer right.
    questions = list(quiz.questions.filter(is_active=True).prefetch_related("choices"))
    bank = sum(1 for q in questions if q.pool == Question.Pool.ASSESSMENT)
    problem = bank_problem(
        title=quiz.title, questions_per_attempt=quiz.questions_per_attempt, bank=bank
    )
    return ([problem] if problem else []) + [
        f'quiz "{quiz.title}": question "{q.key or q.pk}": {rule}'
        for q in questions
        for rule in question_problems(
            kind=q.kind,
            correct=[c.correct for c in q.choices.all()],
            answer=q.answer,
            tolerance=q.tolerance,
            accepted=q.accepted if isinstance(q.accepted, list) else [],
        )
    ]


def _active_quiz(phase: Phase):
    quiz = getattr(phase, "quiz", None)  # the reverse one-to-one raises nothing with getattr
    return quiz if quiz is not None and quiz.is_active else None


def _quiz_score(
    enrollment: Enrollment, phase: Phase, params: dict[str, int]
) -> gates.CriterionResult:
    threshold = params["threshold"]
    window = gates.evidence_window(enrollment)
    best = (
        counted_attempts(learner=enrollment.learner_id, window=window)
        .filter(quiz__phase=phase)
        .order_by("-score", "graded_at")
        .values("pk", "score", "graded_at")
        .first()
    )
    score = best["score"] if best else None
    met = score is not None and score >= threshold
    if score is None:
        sentence = f"No graded attempt yet: the quiz needs {threshold} %."
    elif met:
        sentence = f"Best {score} %, needs {threshold} %: met."
    else:
        sentence = f"Best {score} %, needs {threshold} %."
    return gates.CriterionResult(
        kind="quiz_score",
        label="Quiz score",
        met=met,
        current="no attempt" if score is None else f"{score} %",
        required=f"{threshold} %",
        sentence=sentence,
        progress=(score or 0) / threshold,
        link=_phase_link(phase),
        link_label="Take the quiz",
        evidence={"attempt": best["pk"], "score": score, "graded_at": best["graded_at"].isoformat()}
        if best
        else {},
    )


def _quiz_next_step(
    enrollment: Enrollment, phase: Phase, result: gates.CriterionResult
) -> gates.NextStep | None:
    """The quiz when it can be started (or resumed) now; else when it can (the latest
    attempts: one query, or one cache read while the learner's evidence version stays)."""
    quiz = _active_quiz(phase)
    if result.met or quiz is None:
        return None
    latest = kept_latest_attempts(enrollment=enrollment, quiz=quiz, count=attempts_needed(quiz))
    availability = quiz_availability(learner=enrollment.learner, quiz=quiz, latest=latest)
    if availability.in_progress is not None:
        return gates.NextStep(
            label="Resume your quiz attempt",
            url=reverse("quizzes:attempt", args=[availability.in_progress.pk]),
            reason="You have an attempt open: finish it before its time runs out.",
            rank=gates.RANK_RESUME,
        )
    if not availability.can_start:
        return gates.NextStep(
            label="See the quiz",
            url=result.link,
            reason=availability.message,
            rank=gates.RANK_WAIT,
            waiting=True,
        )
    return gates.NextStep(
        label="Take the quiz", url=result.link, reason=result.sentence, rank=gates.RANK_QUIZ
    )


QUIZ_SCORE = gates.CriterionKind(
    key="quiz_score",
    label="Quiz score",
    description=(
        "The best graded attempt at the phase quiz, started since enrolling, reaches the "
        "threshold (percent). Every attempt draws questions the learner was not shown in the "
        "last 30 days, choices shuffled."
    ),
    evaluate=_quiz_score,
    params=(gates.Param("threshold", "Threshold (%)", 80, 1, 100),),
    check=_check_quiz,
    summary=lambda params: f"a quiz score of {params['threshold']} % or more",
    next_step=_quiz_next_step,
)


# --- skill_mastery --------------------------------------------------------------------------


def phase_skills(phase: Phase):
    """The skills the phase's quiz can measure: those tagged on its active assessment questions."""
    return Skill.objects.filter(
        questions__quiz__phase=phase,
        questions__quiz__is_active=True,
        questions__is_active=True,
        questions__pool=Question.Pool.ASSESSMENT,
    ).distinct()


def _check_skills(phase: Phase, params: dict[str, int]) -> list[str]:
    skills = phase_skills(phase).annotate(n=Count("questions", distinct=True))
    if not _active_quiz(phase) or not skills:
        return [f"{phase} has no assessment question tagged with a skill to measure"]
    # Repeats within the fresh window do not count: each skill needs enough distinct items.
    return [
        f"skill '{skill.slug}' is on {skill.n} assessment question{'s' if skill.n != 1 else ''}: "
        f"skill mastery needs it on at least {SKILL_MIN_QUESTIONS}"
        for skill in skills
        if skill.n < SKILL_MIN_QUESTIONS
    ]


@dataclass
class WindowEstimate:
    """A skill's BKT estimate replayed from the counted evidence inside the window."""

    p_known: float
    responses: int = 0
    questions: set[int] = field(default_factory=set)

    @property
    def distinct_questions(self) -> int:
        return len(self.questions)

    @property
    def is_mastered(self) -> bool:
        return (
            self.p_known >= MASTERY_THRESHOLD
            and self.responses >= MASTERY_MIN_RESPONSES
            and self.distinct_questions >= MASTERY_MIN_QUESTIONS
        )


def window_estimates(
    *, learner_id: int, skills: list[Skill], window: gates.EvidenceWindow
) -> dict[int, WindowEstimate]:
    """Each skill's estimate from the learner's counted MasteryEvents inside the window,
    replayed in order from the skill's prior (`skills` with `bkt` selected). One query.

    The same steps `record_skill_evidence` took, so for a learner whose evidence all lies in
    the window this is their SkillMastery; evidence from before the window (a quiz taken
    before enrolling) is left out, as every criterion leaves it out.
    """
    params = {s.pk: getattr(s, "bkt", None) or DEFAULT_BKT for s in skills}
    estimates = {s.pk: WindowEstimate(p_known=params[s.pk].p_init) for s in skills}
    events = (
        MasteryEvent.objects.filter(learner_id=learner_id, skill__in=skills, counted=True)
        .filter(window.q("created_at"))
        .order_by("id")
        .values_list("skill_id", "question_id", "correct", "question__kind")
    )
    for skill_id, question_id, correct, kind in events:
        estimate = estimates[skill_id]
        is_choice = kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE)
        estimate.p_known = bkt_step(
            params[skill_id], estimate.p_known, correct, is_choice=is_choice
        )
        estimate.responses += 1
        estimate.questions.add(question_id)
    return estimates


def _skill_mastery(
    enrollment: Enrollment, phase: Phase, params: dict[str, int]
) -> gates.CriterionResult:
    skills = list(phase_skills(phase).select_related("bkt").order_by("name"))
    estimates = window_estimates(
        learner_id=enrollment.learner_id, skills=skills, window=gates.evidence_window(enrollment)
    )
    rows = []
    for skill in skills:
        m = estimates[skill.pk]
        rows.append((skill, m if m.responses else None, m.is_mastered))
    done = sum(1 for _, _, mastered in rows if mastered)
    total = len(rows)
    weakest = [(s, m) for s, m, mastered in rows if not mastered]
    weakest.sort(key=lambda pair: pair[1].p_known if pair[1] else 0.0)
    if not total:
        sentence = "The phase has no skill to measure yet."
    elif done == total:
        sentence = f"All {total} skills mastered."
    else:
        skill, m = weakest[0]
        if m is None:
            detail = f"{skill.name} has no graded answer yet"
        elif m.p_known >= MASTERY_THRESHOLD:
            detail = (
                f"{skill.name} is at {m.p_known:.2f} but needs more evidence "
                f"({m.responses} answers on {m.distinct_questions} questions; "
                f"{MASTERY_MIN_RESPONSES} on {MASTERY_MIN_QUESTIONS} needed)"
            )
        else:
            detail = f"{skill.name} is at {m.p_known:.2f}"
        sentence = f"{done} of {total} skills mastered: {detail}."
    return gates.CriterionResult(
        kind="skill_mastery",
        label="Skill mastery",
        met=total > 0 and done == total,
        current=f"{done} of {total} skills",
        required=f"every skill at {MASTERY_THRESHOLD:.2f}",
        sentence=sentence,
        progress=done / total if total else 0.0,
        link=reverse("quizzes:skills"),
        link_label="See your skills",
        evidence={
            "skills": [
                {
                    "skill": s.slug,
                    "p_known": round(m.p_known, 4) if m else None,
                    "responses": m.responses if m else 0,
                    "distinct_questions": m.distinct_questions if m else 0,
                }
                for s, m, _ in rows
            ]
        },
    )


def _skill_mastery_days(phase: Phase, params: dict[str, int]) -> int:
    """Mastery needs MASTERY_MIN_RESPONSES graded answers per skill; one attempt answers a
    skill at most `questions_per_attempt` times, and attempts are spaced by the quiz's
    cooldown and daily limit."""
    quiz = _active_quiz(phase)
    if quiz is None:
        return 0
    attempts = math.ceil(MASTERY_MIN_RESPONSES / max(quiz.questions_per_attempt, 1))
    by_cooldown = math.ceil((attempts - 1) * quiz.cooldown_minutes / (24 * 60)) + 1
    by_limit = math.ceil(attempts / quiz.attempts_per_day) if quiz.attempts_per_day else 1
    return max(by_cooldown, by_limit)


SKILL_MASTERY = gates.CriterionKind(
    key="skill_mastery",
    label="Skill mastery",
    description=(
        "Every skill the phase quiz measures is mastered: P(known) >= 0.95 by Bayesian "
        "Knowledge Tracing, from at least 4 graded quiz answers on at least 3 distinct "
        "questions, recorded since enrolling. A repeat answer to a question answered in the "
        "last 30 days does not count; practice never counts. Each skill must be on at least "
        "4 assessment questions."
    ),
    evaluate=_skill_mastery,
    check=_check_skills,
    summary=lambda params: "every skill of the phase mastered",
    minimum_days=_skill_mastery_days,
)


def register() -> None:
    for kind in (QUIZ_SCORE, SKILL_MASTERY, CARD_RETENTION):
        gates.register(kind)
    # Study the dashboard's momentum counts: attempts started and flashcard reviews.
    momentum.register_study_source(
        "quizzes.attempts",
        lambda learner_id, since: Attempt.objects.filter(
            learner_id=learner_id, started_at__gte=since
        ).values(at=F("started_at")),
    )
    momentum.register_study_source(
        "quizzes.reviews",
        lambda learner_id, since: ReviewLog.objects.filter(
            learner_id=learner_id, reviewed_at__gte=since
        ).values(at=F("reviewed_at")),
    )
