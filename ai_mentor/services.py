"""The AI mentor's rules: ask (explain), feedback after an attempt, pre-review of evidence.

Guardrails, by construction:
- Nothing here writes progress, attempts, grades, reviews or submissions. The only tables
  written are the AI mentor's own (conversations, messages, pre-review drafts, usage) and,
  in `ai_mentor.practice`, practice answers (and skill estimates where a track's admin
  turned that on). tests/ai_mentor/test_guardrails.py checks both the behaviour and the
  imports.
- Learner text is data: it is stored, searched for words and passed to a backend between
  delimiters; it never chooses what code runs.
- The context of a backend is built from `ai_mentor.retrieval` (track content without
  assessment questions or quiz settings) and the learner's own words.
- Every learner-triggered call passes the per-user rate limit first.
- An `openai` failure falls back to `local` with a notice: never an error page.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from ai_mentor import retrieval
from ai_mentor.backends import (
    Backend,
    BackendUnavailable,
    Criterion,
    ExplainRequest,
    FeedbackRequest,
    Level,
    LocalBackend,
    PreReviewRequest,
    configured_backend,
)
from ai_mentor.models import AIUsage, MentorConversation, MentorMessage, PreReviewDraft
from mentors.models import SubmissionRound
from mentors.selectors import rubric_for
from quizzes.models import Attempt, Card, DeckStudy, Question
from tracks.models import Phase, Resource, Skill

log = logging.getLogger(__name__)

MAX_QUESTION_LENGTH = 1000


class RateLimited(Exception):
    """The learner asked too often this hour; the message says when they can ask again."""


# --- Rate limit -----------------------------------------------------------------------------


def check_rate(*, user: User, now: float | None = None) -> None:
    """Count one AI request for `user` in the current clock hour; refuse past the limit.

    The counter lives in the shared cache (Redis in production), so every web process sees
    the same count; `cache.incr` is atomic there. Raises RateLimited with a clear sentence.
    """
    now = time.time() if now is None else now
    limit = settings.EDIRAE_AI_REQUESTS_PER_HOUR
    window = int(now // 3600)
    key = f"ai-mentor:rate:{user.pk}:{window}"
    cache.add(key, 0, timeout=3700)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3700)
        count = 1
    if count > limit:
        minutes = max(1, int(((window + 1) * 3600 - now + 59) // 60))
        raise RateLimited(
            f"You have asked the AI mentor {limit} times this hour, the most we allow. "
            f"You can ask again in {minutes} min; meanwhile your flashcards and the phase's "
            "resources are all yours."
        )


# --- Calling a backend, with fallback and usage -------------------------------------------


@dataclass
class Outcome:
    result: object
    backend: str
    notice: str = ""


def _call(*, kind: str, method: str, request, user: User | None, nothing_found: bool = False):
    """Run `method` on the configured backend; on failure, on `local` with a notice.

    Writes one AIUsage row (the configured backend, the outcome, latency and tokens).
    """
    backend: Backend = configured_backend()
    started = time.monotonic()
    notice, error = "", ""
    outcome = AIUsage.Outcome.NOTHING_FOUND if nothing_found else AIUsage.Outcome.OK
    answered_by = backend.name
    try:
        result = getattr(backend, method)(request)
    except Exception as exc:
        if isinstance(backend, LocalBackend):
            raise
        if not isinstance(exc, BackendUnavailable):
            log.exception("The %s backend failed on %s", backend.name, kind)
        error = str(exc)[:300] or exc.__class__.__name__
        notice = (
            "The AI model did not answer "
            f"({error}); this answer comes from the offline mentor instead."
        )
        result = getattr(LocalBackend(), method)(request)
        outcome, answered_by = AIUsage.Outcome.FALLBACK, "local"
    usage = getattr(result, "usage", None)
    AIUsage.objects.create(
        user=user,
        backend=backend.name,
        kind=kind,
        outcome=outcome,
        latency_ms=int((time.monotonic() - started) * 1000),
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
        error=error,
    )
    return Outcome(result, answered_by, notice)


def _safe_url(url: str) -> str:
    # Our own pages, or a resource's web address: never a javascript: or data: link.
    return url if url.startswith(("/", "https://", "http://")) else ""


def _citations(passages, *, nearest: bool = False) -> list[dict]:
    """What a message keeps of the passages it cites; `nearest` marks passages offered as
    the closest the track has to a question it does not cover (not as sources)."""
    return [
        {
            "label": p.label,
            "url": _safe_url(p.url),
            "kind": p.kind,
            "excerpt": p.body[:240],
            **({"nearest": True} if nearest else {}),
        }
        for p in passages
    ]


# --- Explain --------------------------------------------------------------------------------


def ask(
    *, learner: User, phase: Phase, question: str, now: datetime | None = None
) -> MentorMessage:
    """Answer the learner's question about `phase` from the track's content, and keep both
    turns in the learner's conversation about the phase (created on the first question).

    Passes the rate limit first (RateLimited). Retrieval and the backend run outside any
    transaction; the two messages are written together. Not idempotent: asking twice asks
    twice (and counts twice).
    """
    now = now or timezone.now()
    question = question.strip()[:MAX_QUESTION_LENGTH]
    check_rate(user=learner)
    conversation = MentorConversation.objects.filter(learner=learner, phase=phase).first()
    history = []
    if conversation is not None:
        history = [
            (m.role, m.text)
            for m in reversed(list(conversation.messages.order_by("-created_at", "-id")[:4]))
        ]
    found = retrieval.search(track=phase.track, query=question, phase=phase, k=3)
    outcome = _call(
        kind=AIUsage.Kind.EXPLAIN,
        method="explain",
        request=ExplainRequest(
            question=question,
            passages=[hit.passage for hit in found.answer_hits],
            phase_label=f"Phase {phase.order} · {phase.title} of {phase.track.title}",
            history=history,
            extracts=[hit.units for hit in found.answer_hits],
            nearest=[hit.passage for hit in found.nearest],
            unknown_names=found.unknown_names,
        ),
        user=learner,
        nothing_found=not found.found,
    )
    reply = outcome.result
    with transaction.atomic():
        if conversation is None:
            try:
                with transaction.atomic():
                    conversation = MentorConversation.objects.create(
                        learner=learner, phase=phase, created_at=now, updated_at=now
                    )
            except IntegrityError:  # a second tab asked first
                conversation = MentorConversation.objects.get(learner=learner, phase=phase)
        MentorConversation.objects.filter(pk=conversation.pk).update(updated_at=now)
        MentorMessage.objects.create(
            conversation=conversation,
            role=MentorMessage.Role.LEARNER,
            text=question,
            created_at=now,
        )
        answer = MentorMessage.objects.create(
            conversation=conversation,
            role=MentorMessage.Role.MENTOR,
            text=reply.text,
            citations=_citations(reply.citations, nearest=not found.found),
            backend=outcome.backend,
            notice=outcome.notice[:300],
            created_at=now,
        )
    return answer


def delete_conversation(*, conversation: MentorConversation) -> None:
    """Delete the conversation and its messages. Safe to call twice."""
    MentorConversation.objects.filter(pk=conversation.pk).delete()


# --- Feedback after a graded attempt --------------------------------------------------------


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
    outcome = _call(
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


# --- Pre-review of evidence -----------------------------------------------------------------


def draft_pre_review(*, round_id: int) -> PreReviewDraft | None:
    """Draft a rubric assessment of a sent round for its human mentor: per criterion a
    suggested level, a comment and the write-up passage it rests on.

    Only for rounds that were sent and have a rubric. One draft per round (unique): safe to
    call twice, and from two workers; the second returns the first draft. Reads the round
    and rubric, writes only the draft and a usage row: it never touches the submission's
    state, claims or reviews.
    """
    existing = PreReviewDraft.objects.filter(round_id=round_id).first()
    if existing is not None:
        return existing
    round = (
        SubmissionRound.objects.select_related("submission__key_action")
        .filter(pk=round_id, submitted_at__isnull=False)
        .first()
    )
    if round is None:
        return None
    rubric = rubric_for(key_action=round.submission.key_action)
    if rubric is None:
        return None
    criteria = [
        Criterion(
            pk=c.pk,
            title=c.title,
            description=c.description,
            levels=[Level(lv.pk, lv.score, lv.label, lv.description) for lv in c.levels.all()],
        )
        for c in rubric.criteria.all()
        if c.levels.all()
    ]
    outcome = _call(
        kind=AIUsage.Kind.PRE_REVIEW,
        method="pre_review",
        request=PreReviewRequest(
            key_action=round.submission.key_action.text,
            writeup=round.writeup,
            note=round.note,
            criteria=criteria,
        ),
        user=None,
    )
    reply = outcome.result
    try:
        with transaction.atomic():
            return PreReviewDraft.objects.create(
                round=round,
                rubric=rubric,
                backend=outcome.backend,
                summary=reply.summary,
                items=[
                    {
                        "criterion": item.criterion,
                        "level": item.level,
                        "comment": item.comment,
                        "passage": item.passage,
                    }
                    for item in reply.items
                ],
                notice=outcome.notice[:300],
            )
    except IntegrityError:
        return PreReviewDraft.objects.get(round_id=round_id)


def queue_pre_review(*, round_id: int) -> None:
    """Queue the pre-review task (called on commit when a round is sent). A broker outage
    must not break sending evidence: the mentor can still ask for the draft on the page."""
    from ai_mentor.tasks import draft_pre_review as task

    try:
        task.apply_async((round_id,), retry=False)
    except Exception:
        log.warning("Could not queue the AI pre-review of round %s", round_id, exc_info=True)


# --- Practice note --------------------------------------------------------------------------


def practice_note(*, learner: User, answer) -> tuple[str, str, list[dict]] | None:
    """The mentor's short note on a graded practice answer: (text, notice, citations), or
    None past the rate limit (the grade and the explanation are shown anyway). Cached per
    answer, so reloading the result asks once."""
    from ai_mentor.backends import PracticeRequest

    key = f"ai-mentor:practice-note:{answer.pk}:{settings.EDIRAE_AI_BACKEND}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        check_rate(user=learner)
    except RateLimited:
        return None
    question = answer.question
    skills = " ".join(s.name for s in question.skills.all())
    found = retrieval.search(
        track=question.quiz.phase.track, query=skills, phase=question.quiz.phase, k=2
    )
    passages = [p for p in found.passages if not (p.kind == "practice" and p.pk == question.pk)]
    if question.is_choice:
        chosen = {c.pk: c.text for c in question.choices.all()}
        given = "; ".join(chosen[pk] for pk in answer.selected if pk in chosen)
    else:
        given = answer.text
    outcome = _call(
        kind=AIUsage.Kind.PRACTICE,
        method="practice",
        request=PracticeRequest(
            prompt=question.prompt,
            answer=given or "(no answer)",
            correct=answer.correct,
            explanation=question.explanation,
            passages=passages,
        ),
        user=learner,
    )
    note = (outcome.result.text, outcome.notice, _citations(outcome.result.citations))
    cache.set(key, note, timeout=24 * 3600)
    return note
