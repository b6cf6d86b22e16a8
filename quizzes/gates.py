"""The criterion kinds backed by the Learning Center: quiz_score, skill_mastery, card_retention.

Registered with tracks.gates from QuizzesConfig.ready(). Each evaluates in a fixed number of
queries whatever the number of attempts, responses and reviews, and counts only evidence
inside the enrollment's evidence window (`tracks.gates.evidence_window`). docs/gates.md says
what each measures and how it resists a learner who does not know the material.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone

from quizzes.models import (
    BANK_FACTOR,
    MASTERY_MIN_QUESTIONS,
    MASTERY_MIN_RESPONSES,
    MASTERY_THRESHOLD,
    SKILL_MIN_QUESTIONS,
    Attempt,
    Card,
    CardState,
    MasteryEvent,
    Question,
    ReviewLog,
)
from quizzes.selectors import quiz_availability
from quizzes.services import DEFAULT_BKT, bkt_step
from tracks import gates, momentum
from tracks.models import Enrollment, Phase, Skill


def _phase_link(phase: Phase) -> str:
    return reverse("quizzes:phase", args=[phase.track.slug, phase.slug])


# --- quiz_score -----------------------------------------------------------------------------


def _check_quiz(phase: Phase, params: dict[str, int]) -> list[str]:
    quiz = _active_quiz(phase)
    if not quiz:
        return [f"{phase} has no quiz: add one (or remove this criterion)"]
    bank = quiz.questions.filter(is_active=True, pool=Question.Pool.ASSESSMENT).count()
    problem = bank_problem(
        title=quiz.title, questions_per_attempt=quiz.questions_per_attempt, bank=bank
    )
    return [problem] if problem else []


def bank_problem(*, title: str, questions_per_attempt: int, bank: int) -> str:
    """The authoring rule behind fresh items: an assessment bank of at least BANK_FACTOR
    times the questions an attempt draws (import, quiz admin, gate admin and publish all
    apply it). Empty when the bank is large enough."""
    needed = BANK_FACTOR * questions_per_attempt
    if bank >= needed:
        return ""
    return (
        f'quiz "{title}" draws {questions_per_attempt} questions per attempt, so fresh draws '
        f"need at least {needed} assessment questions ({BANK_FACTOR} x {questions_per_attempt})"
        f"; its bank has {bank}: add {needed - bank} or lower questions_per_attempt"
    )


def _active_quiz(phase: Phase):
    quiz = getattr(phase, "quiz", None)  # the reverse one-to-one raises nothing with getattr
    return quiz if quiz is not None and quiz.is_active else None


def _quiz_score(
    enrollment: Enrollment, phase: Phase, params: dict[str, int]
) -> gates.CriterionResult:
    threshold = params["threshold"]
    window = gates.evidence_window(enrollment)
    best = (
        Attempt.objects.filter(
            learner_id=enrollment.learner_id,
            quiz__phase=phase,
            quiz__is_active=True,
            state=Attempt.State.GRADED,
        )
        .filter(window.q("started_at"))
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
    """The quiz when it can be started (or resumed) now; else when it can (two queries)."""
    quiz = _active_quiz(phase)
    if result.met or quiz is None:
        return None
    availability = quiz_availability(learner=enrollment.learner, quiz=quiz)
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


# --- card_retention -------------------------------------------------------------------------


def _check_deck(phase: Phase, params: dict[str, int]) -> list[str]:
    deck = getattr(phase, "deck", None)
    if deck is None or not deck.is_active or not deck.cards.filter(is_active=True).exists():
        return [f"{phase} has no flashcard deck with cards"]
    return []


# A card counts as retained when the learner recalled it at a review that came at least this
# many days after their review before. Ratings are self-reported and cannot be checked, so
# the criterion is defended by time: FSRS brings a card back only when due, a not-due card
# cannot be rated, and no run of ratings, however "Easy", produces a 21-day gap sooner than
# 21 days. A learner who rates honestly (Good) sees gaps of about 3, 10 and 30 days.
RETENTION_INTERVAL_DAYS = 21


def card_retention_minimum_days(params: dict[str, int]) -> int:
    """The fewest days after a first review in which card_retention can be met: the gap its
    `interval_days` parameter asks between the review before and the recall (for plans)."""
    return params.get("interval_days", RETENTION_INTERVAL_DAYS)


def _card_retention(
    enrollment: Enrollment, phase: Phase, params: dict[str, int]
) -> gates.CriterionResult:
    share, interval = params["share"], params["interval_days"]
    learner_id = enrollment.learner_id
    window = gates.evidence_window(enrollment)
    cards = Card.objects.filter(deck__phase=phase, deck__is_active=True, is_active=True)
    total = cards.count()
    in_window = ReviewLog.objects.filter(learner_id=learner_id).filter(window.q("reviewed_at"))
    # A recall (any rating but Again) at a review that came `interval` days or more after the
    # review before it, both inside the evidence window: memory across weeks, not a sitting.
    previous = (
        in_window.filter(card=OuterRef("card"), reviewed_at__lt=OuterRef("reviewed_at"))
        .order_by("-reviewed_at")
        .values("reviewed_at")[:1]
    )
    spaced = (
        in_window.filter(card=OuterRef("card"))
        .exclude(rating=ReviewLog.Rating.AGAIN)
        .annotate(previous=Subquery(previous))
        .filter(previous__lte=F("reviewed_at") - timedelta(days=interval))
    )
    figures = CardState.objects.filter(learner_id=learner_id, card__in=cards).aggregate(
        studied=Count("id"),
        # Still remembered: not lapsed back into relearning since.
        retained=Count("id", filter=Q(state=CardState.State.REVIEW) & Q(Exists(spaced))),
        last=Max("last_review"),
        due_now=Count("id", filter=Q(due__lte=Now())),
        next_due=Min("due"),
        falls_due=Min("due", filter=Q(due__gt=Now())),  # when `due_now` next grows
    )
    retained = figures["retained"]
    needed = -(-total * share // 100)  # ceiling: 80 % of 16 cards is 13
    met = total > 0 and retained >= needed
    if met:
        sentence = f"{retained} of {total} cards recalled after a {interval}-day gap: met."
    else:
        sentence = (
            f"{retained} of {total} cards recalled after a gap of {interval} days or more: "
            f"{needed} needed. {figures['studied']} of {total} studied so far; a card counts "
            f"at the first review that comes {interval}+ days after the one before."
        )
    return gates.CriterionResult(
        kind="card_retention",
        label=f"Flashcards recalled after {interval}+ days",
        met=met,
        current=f"{retained} of {total} cards",
        required=f"{needed} cards ({share} %)",
        sentence=sentence,
        progress=retained / needed if needed else 0.0,
        # Before the first card, the review page would be empty: the deck starts on its phase.
        link=reverse("quizzes:review")
        if figures["studied"]
        else _phase_link(phase) + "#deck-title",
        link_label="Review flashcards" if figures["studied"] else "Start the flashcards",
        evidence={
            "retained": retained,
            "studied": figures["studied"],
            "total": total,
            "share": share,
            "interval_days": interval,
            "last_review": figures["last"].isoformat() if figures["last"] else None,
            "due": figures["due_now"],
            "next_due": figures["next_due"].isoformat() if figures["next_due"] else None,
        },
        valid_until=figures["falls_due"],
    )


def _card_retention_days(phase: Phase, params: dict[str, int]) -> int:
    """New cards enter at FLASHCARDS_NEW_PER_DAY a day, and each card needed must then be
    recalled after the criterion's gap (`card_retention_minimum_days`): the plan does not
    bank on an Easy self-rating claiming a long memory on day one."""
    window = card_retention_minimum_days(params)
    total = Card.objects.filter(deck__phase=phase, deck__is_active=True, is_active=True).count()
    needed = -(-total * params.get("share", 100) // 100)
    per_day = max(settings.FLASHCARDS_NEW_PER_DAY, 1)
    # The last card needed is first seen on day ceil(needed / per_day) and recalled `window`
    # days later: that day belongs to the phase too.
    return math.ceil(needed / per_day) + max(window, 1) if needed else 0


def _card_next_step(
    enrollment: Enrollment, phase: Phase, result: gates.CriterionResult
) -> gates.NextStep | None:
    """Due cards first (they fade); a deck never opened is started on its phase page."""
    facts = result.evidence
    if result.met:
        return None
    if facts.get("due"):
        n = facts["due"]
        return gates.NextStep(
            label=f"Review {n} due card{'s' if n != 1 else ''}",
            url=reverse("quizzes:review"),
            reason=f"Cards fade if they wait: {result.sentence}",
            rank=gates.RANK_DUE,
        )
    if not facts.get("studied"):
        return gates.NextStep(
            label="Start the flashcards",
            url=result.link,
            reason="The gate needs cards you remember after days away: start the deck today.",
            rank=gates.RANK_START,
        )
    next_due = timezone.localtime(datetime.fromisoformat(facts["next_due"]))
    return gates.NextStep(
        label="Follow your flashcards",
        url=_phase_link(phase) + "#deck-title",
        reason=f"No card is due: the next one is on {next_due:%a %d %b, %H:%M}.",
        rank=gates.RANK_WAIT,
        waiting=True,
    )


CARD_RETENTION = gates.CriterionKind(
    key="card_retention",
    label="Flashcards recalled weeks apart",
    description=(
        "At least `share` % of the phase's cards were recalled (rated Hard, Good or Easy) at a "
        "review that came `interval_days` (default 21) or more after the review before, both "
        "since enrolling, and have not lapsed since. Cards are rated only when due and within "
        "the daily caps, so it cannot be met in under `interval_days` days. Self-graded: a "
        "study-habit check, never a gate on its own."
    ),
    evaluate=_card_retention,
    params=(
        gates.Param("share", "Share of cards (%)", 80, 1, 100),
        gates.Param(
            "interval_days", "Gap before the recall (days)", RETENTION_INTERVAL_DAYS, 7, 365
        ),
    ),
    self_reported=True,
    check=_check_deck,
    summary=lambda params: (
        f"{params['share']} % of the flashcards recalled after {params['interval_days']}+ days"
    ),
    minimum_days=_card_retention_days,
    next_step=_card_next_step,
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
