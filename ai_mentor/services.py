"""The AI mentor's rules: ask (explain), the practice note, the rate limit and calling a
backend (with fallback and usage). Feedback after an attempt is in `ai_mentor.feedback`, the
pre-review of evidence in `ai_mentor.pre_review`, practice in `ai_mentor.practice`.

Guardrails, by construction:
- Nothing in the AI mentor writes progress, attempts, grades, reviews or submissions. The
  only tables written are its own (conversations, messages, pre-review drafts, usage,
  practice answers); never `SkillMastery`. tests/ai_mentor/test_guardrails.py checks both
  the behaviour and the imports.
- Learner text is data: it is stored, searched for words and passed to a backend between
  delimiters; it never chooses what code runs.
- The context of a backend is built from `ai_mentor.retrieval` (track content without
  assessment questions or quiz settings) and the learner's own words.
- Every learner-triggered call passes the per-user rate limit first.
- An `openai` failure falls back to `local` with a notice: never an error page.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from ai_mentor import retrieval
from ai_mentor.backends import (
    Backend,
    BackendUnavailable,
    ExplainRequest,
    LocalBackend,
    configured_backend,
)
from ai_mentor.models import AIUsage, MentorConversation, MentorMessage
from tracks.models import Phase

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


def call_backend(
    *, kind: str, method: str, request, user: User | None, nothing_found: bool = False
):
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
    outcome = call_backend(
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
    outcome = call_backend(
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
