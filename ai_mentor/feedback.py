"""Feedback after a graded attempt: for each skill the attempt missed, what to study next.

The plan is built from the track's content (the phase's cards on the skill, the resource
closest to it, how many practice questions train it); a backend adds a short note. Reads
only; writes one AIUsage row (through `services.call_backend`).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q

from accounts.models import User
from ai_mentor import retrieval
from ai_mentor.backends import FeedbackRequest
from ai_mentor.models import AIUsage
from ai_mentor.services import RateLimited, call_backend, check_rate
from quizzes.models import Attempt, Card, DeckStudy, Question
from tracks.models import Resource, Skill


@dataclass
class SkillPlan:
    skill: Skill
    missed: int
    cards: list[Card] = field(default_factory=list)
    resource: Resource | None = None
    practice_questions: int = 0


@dataclass
class FeedbackPlan:
    attempt: Attempt
    skills: list[SkillPlan]
    studying_deck: bool
    note: str = ""
    notice: str = ""
    rate_limited: str = ""


def feedback_for_attempt(*, attempt: Attempt, learner: User) -> FeedbackPlan:
    """For each skill the attempt missed (most missed first): the phase's cards on it, the
    resource closest to it, and how many practice questions train it. The plan is built from
    the track's content; the backend adds a short note (cached per attempt, rate limited:
    past the limit the plan comes without a note). Reads only; writes one AIUsage row.
    """
    phase = attempt.quiz.phase
    missed_skills = list(
        Skill.objects.filter(
            questions__responses__attempt=attempt, questions__responses__correct=False
        )
        .annotate(missed=Count("questions__responses"))
        .order_by("-missed", "name")
    )
    plans = [SkillPlan(skill=s, missed=s.missed) for s in missed_skills]
    by_skill = {plan.skill.pk: plan for plan in plans}
    if plans:
        cards = Card.objects.filter(
            deck__phase=phase,
            deck__is_active=True,
            is_active=True,
            skills__in=list(by_skill),
        ).values_list("pk", "front", "skills")
        seen: set[tuple[int, int]] = set()
        for pk, front, skill_id in cards.order_by("order", "id"):
            plan = by_skill.get(skill_id)
            if plan and len(plan.cards) < 3 and (pk, skill_id) not in seen:
                seen.add((pk, skill_id))
                plan.cards.append(Card(pk=pk, front=front))
        resources = list(
            Resource.objects.filter(Q(phase=phase) | Q(track=phase.track, phase__isnull=True))
        )
        passages = [
            retrieval.Passage("resource", r.pk, r.title, r.title, f"{r.provider} {r.why}")
            for r in resources
        ]
        for plan in plans:
            terms = retrieval.terms_of(f"{plan.skill.name} {plan.skill.description}")
            ranked = retrieval.rank_passages(passages, terms)
            pick = ranked[0].passage.pk if ranked else None
            phase_resources = [r for r in resources if r.phase_id == phase.pk]
            plan.resource = next(
                (r for r in resources if r.pk == pick),
                phase_resources[0] if phase_resources else None,
            )
        counts = dict(
            Question.objects.filter(
                quiz__phase=phase,
                quiz__is_active=True,
                is_active=True,
                pool=Question.Pool.PRACTICE,
                skills__in=list(by_skill),
            )
            .values_list("skills")
            .annotate(n=Count("pk"))
        )
        for plan in plans:
            plan.practice_questions = counts.get(plan.skill.pk, 0)
    studying = DeckStudy.objects.filter(learner=learner, deck__phase=phase).exists()
    result = FeedbackPlan(attempt=attempt, skills=plans, studying_deck=studying)

    key = f"ai-mentor:feedback:{attempt.pk}:{settings.EDIRAE_AI_BACKEND}"
    cached = cache.get(key)
    if cached is not None:
        result.note, result.notice = cached
        return result
    try:
        check_rate(user=learner)
    except RateLimited as limited:
        result.rate_limited = str(limited)
        return result
    names = [plan.skill.name for plan in plans]
    found = retrieval.search(track=phase.track, query=" ".join(names), phase=phase, k=3)
    outcome = call_backend(
        kind=AIUsage.Kind.FEEDBACK,
        method="feedback",
        request=FeedbackRequest(
            quiz_title=attempt.quiz.title, missed_skills=names, passages=found.passages
        ),
        user=learner,
    )
    result.note, result.notice = outcome.result.text, outcome.notice
    cache.set(key, (result.note, result.notice), timeout=24 * 3600)
    return result
