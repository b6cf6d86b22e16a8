"""The criterion kinds backed by the Learning Center: quiz_score, skill_mastery, card_retention.

Registered with tracks.gates from QuizzesConfig.ready(). Each evaluates in a fixed number of
queries whatever the number of attempts, responses and reviews.
"""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone

from quizzes.models import (
    MASTERY_MIN_QUESTIONS,
    MASTERY_MIN_RESPONSES,
    MASTERY_THRESHOLD,
    Attempt,
    Card,
    CardState,
    Question,
    ReviewLog,
    SkillMastery,
)
from quizzes.selectors import quiz_availability
from tracks import gates, momentum
from tracks.models import Enrollment, Phase, Skill


def _phase_link(phase: Phase) -> str:
    return reverse("quizzes:phase", args=[phase.track.slug, phase.slug])


# --- quiz_score -----------------------------------------------------------------------------


def _check_quiz(phase: Phase, params: dict[str, int]) -> list[str]:
    if not _active_quiz(phase):
        return [f"{phase} has no quiz: add one (or remove this criterion)"]
    return []


def _active_quiz(phase: Phase):
    quiz = getattr(phase, "quiz", None)  # the reverse one-to-one raises nothing with getattr
    return quiz if quiz is not None and quiz.is_active else None


def _quiz_score(
    enrollment: Enrollment, phase: Phase, params: dict[str, int]
) -> gates.CriterionResult:
    threshold = params["threshold"]
    best = (
        Attempt.objects.filter(
            learner_id=enrollment.learner_id,
            quiz__phase=phase,
            quiz__is_active=True,
            state=Attempt.State.GRADED,
            started_at__gte=enrollment.created_at,  # evidence recorded since enrolling
        )
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
    description="The best graded attempt at the phase quiz reaches the threshold (percent).",
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
    # Mastery needs answers on MASTERY_MIN_QUESTIONS distinct questions of each skill.
    return [
        f"skill '{skill.slug}' is on {skill.n} assessment question{'s' if skill.n != 1 else ''}: "
        f"mastery needs answers on {MASTERY_MIN_QUESTIONS} distinct questions"
        for skill in skills
        if skill.n < MASTERY_MIN_QUESTIONS
    ]


def _skill_mastery(
    enrollment: Enrollment, phase: Phase, params: dict[str, int]
) -> gates.CriterionResult:
    skills = list(phase_skills(phase).order_by("name"))
    masteries = {
        m.skill_id: m
        for m in SkillMastery.objects.filter(learner_id=enrollment.learner_id, skill__in=skills)
    }
    rows = []
    for skill in skills:
        m = masteries.get(skill.pk)
        rows.append((skill, m, m is not None and m.is_mastered))
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
        "Knowledge Tracing, from at least 4 graded answers on at least 3 distinct questions."
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


def _card_retention(
    enrollment: Enrollment, phase: Phase, params: dict[str, int]
) -> gates.CriterionResult:
    share, stability = params["share"], params["min_stability_days"]
    learner_id = enrollment.learner_id
    cards = Card.objects.filter(deck__phase=phase, deck__is_active=True, is_active=True)
    total = cards.count()
    # A successful review (not Again) that came at least a day after the review before it:
    # recall across a night, not within one sitting.
    previous = (
        ReviewLog.objects.filter(
            learner_id=learner_id, card=OuterRef("card"), reviewed_at__lt=OuterRef("reviewed_at")
        )
        .order_by("-reviewed_at")
        .values("reviewed_at")[:1]
    )
    spaced = (
        ReviewLog.objects.filter(learner_id=learner_id, card=OuterRef("card"))
        .exclude(rating=ReviewLog.Rating.AGAIN)
        .annotate(previous=Subquery(previous))
        .filter(previous__lte=F("reviewed_at") - timedelta(days=1))
    )
    figures = CardState.objects.filter(learner_id=learner_id, card__in=cards).aggregate(
        studied=Count("id"),
        retained=Count(
            "id",
            filter=Q(state=CardState.State.REVIEW, stability__gte=stability) & Q(Exists(spaced)),
        ),
        last=Max("last_review"),
        due_now=Count("id", filter=Q(due__lte=Now())),
        next_due=Min("due"),
    )
    retained = figures["retained"]
    needed = -(-total * share // 100)  # ceiling: 80 % of 16 cards is 13
    met = total > 0 and retained >= needed
    if met:
        sentence = f"{retained} of {total} cards retained: met."
    else:
        sentence = (
            f"{retained} of {total} cards retained ({stability}-day memory, recalled across a "
            f"day): {needed} needed. {figures['studied']} of {total} studied so far."
        )
    return gates.CriterionResult(
        kind="card_retention",
        label="Flashcard retention",
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
            "min_stability_days": stability,
            "last_review": figures["last"].isoformat() if figures["last"] else None,
            "due": figures["due_now"],
            "next_due": figures["next_due"].isoformat() if figures["next_due"] else None,
        },
    )


def _card_retention_days(phase: Phase, params: dict[str, int]) -> int:
    """New cards enter at FLASHCARDS_NEW_PER_DAY a day, and each card needed must then be
    recalled after the criterion's window away (its days away or minimum stability: the
    plan does not bank on an Easy self-rating claiming a long memory on day one)."""
    window = params.get("min_days_away", params.get("min_stability_days", 1))
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
    label="Flashcard retention",
    description=(
        "At least `share` % of the phase's cards are in FSRS review state with a stability of "
        "`min_stability_days` or more, each recalled at least a day after the review before. "
        "Cards are self-graded: a study-habit check, never a gate on its own."
    ),
    evaluate=_card_retention,
    params=(
        gates.Param("share", "Share of cards (%)", 80, 1, 100),
        gates.Param("min_stability_days", "Minimum stability (days)", 7, 1, 365),
    ),
    self_reported=True,
    check=_check_deck,
    summary=lambda params: f"{params['share']} % of the flashcards retained",
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
