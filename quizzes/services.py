"""Business rules of the Learning Center: attempts and grading, mastery, resources. The
flashcard rules are in quizzes.flashcards and re-exported here, with `LearningRefused`.

Every function is keyword-only. Those that write say whether they are safe to call twice;
idempotency rests on the database (conditional UPDATEs, unique constraints, row locks).
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone

from accounts.models import User
from quizzes.answers import is_correct, normalize_text, parse_number  # noqa: F401 (re-exported)
from quizzes.availability import quiz_availability, recently_shown
from quizzes.errors import LearningRefused
from quizzes.flashcards import (  # noqa: F401 (re-exported: services.study_deck, ...)
    DeckStudied,
    review_card,
    scheduler,
    study_deck,
    to_fsrs_card,
)
from quizzes.models import (
    FRESH_WINDOW,
    Attempt,
    Choice,
    MasteryEvent,
    Question,
    Quiz,
    ResourceCompletion,
    Response,
    SkillMastery,
    SkillParameters,
)
from tracks.models import Resource
from tracks.progression import advance_after_commit
from tracks.selectors import phase_access
from tracks.services import record_study

# Saves that arrive a few seconds after the deadline (network, a slow click) still count.
DEADLINE_GRACE = timedelta(seconds=10)


# --- Grading (pure) -------------------------------------------------------------------------


def bkt_update(
    p_known: float, correct: bool, *, transit: float, guess: float, slip: float
) -> tuple[float, float]:
    """One step of Bayesian Knowledge Tracing: (P(L | answer), P(L) after the transition)."""
    if correct:
        evidence = p_known * (1 - slip)
        posterior = evidence / (evidence + (1 - p_known) * guess)
    else:
        evidence = p_known * slip
        posterior = evidence / (evidence + (1 - p_known) * (1 - guess))
    return posterior, posterior + (1 - posterior) * transit


# --- Attempts -------------------------------------------------------------------------------


def start_attempt(*, learner: User, quiz: Quiz, now: datetime | None = None) -> Attempt:
    """Open an attempt with fresh questions drawn at random from the assessment pool.

    Fresh: no question the learner was shown in an attempt of this quiz started within
    FRESH_WINDOW (30 days) before `now`. When fewer fresh questions remain than an attempt
    draws, the start is refused with the date they return; a question is never reused
    silently. Each choice question's choices are shuffled for this attempt and the order is
    stored on its Response, as is the draw itself, so a reload shows the same questions in
    the same order. Returns the attempt already in progress if there is one (safe to call
    twice: the partial unique constraint allows one attempt in progress per quiz).
    Raises LearningRefused during a cooldown, past the daily limit, when fresh questions run
    short, or when the learner's phase is locked and not marked for test-out.
    """
    now = now or timezone.now()
    if not phase_access(learner=learner, phase=quiz.phase).may_take_quiz:
        raise LearningRefused(
            f"Phase {quiz.phase.order} is still locked: its quiz opens with the phase, or "
            "earlier where your plan marks its key actions as covered by your background "
            "(test-out)."
        )
    with transaction.atomic():
        # Serialize the starts of one learner, so the limits are checked against settled rows.
        User.objects.select_for_update().filter(pk=learner.pk).values_list("pk").get()
        availability = quiz_availability(learner=learner, quiz=quiz, now=now)
        if availability.in_progress is not None:
            return availability.in_progress
        if not availability.can_start:
            raise LearningRefused(availability.message)
        pool = list(
            quiz.questions.filter(is_active=True, pool=Question.Pool.ASSESSMENT)
            .order_by("id")
            .values_list("id", flat=True)
        )
        if len(pool) < quiz.questions_per_attempt:
            raise LearningRefused("This quiz is not ready yet: its question bank is too small.")
        shown = recently_shown(learner=learner, quiz=quiz, now=now)
        fresh = [pk for pk in pool if pk not in shown]
        if len(fresh) < quiz.questions_per_attempt:
            raise LearningRefused(_fresh_refusal(quiz=quiz, pool=pool, shown=shown, now=now))
        seed = random.SystemRandom().randrange(1, 2**62)
        rng = random.Random(seed)
        drawn = rng.sample(fresh, quiz.questions_per_attempt)
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    learner=learner,
                    quiz=quiz,
                    seed=seed,
                    started_at=now,
                    deadline=(
                        now + timedelta(minutes=quiz.time_limit_minutes)
                        if quiz.time_limit_minutes
                        else None
                    ),
                    question_count=len(drawn),
                )
        except IntegrityError:
            return Attempt.objects.get(learner=learner, quiz=quiz, state=Attempt.State.IN_PROGRESS)
        choices: dict[int, list[int]] = {}
        for question_id, choice_id in (
            Choice.objects.filter(question_id__in=drawn)
            .order_by("question_id", "order", "id")
            .values_list("question_id", "id")
        ):
            choices.setdefault(question_id, []).append(choice_id)
        for order in choices.values():
            rng.shuffle(order)
        Response.objects.bulk_create(
            Response(
                attempt=attempt,
                question_id=question_id,
                order=i,
                choice_order=choices.get(question_id, []),
            )
            for i, question_id in enumerate(drawn, start=1)
        )
        record_study(learner_id=learner.pk, at=now)
    return attempt


def _fresh_refusal(*, quiz: Quiz, pool: list[int], shown: dict[int, datetime], now) -> str:
    """'You have seen 15 of the 17 questions … fresh questions return on 14 January.'"""
    fresh = len([pk for pk in pool if pk not in shown])
    missing = quiz.questions_per_attempt - fresh
    # The questions shown longest ago come back first; the attempt needs `missing` of them.
    returns = sorted(shown[pk] for pk in pool if pk in shown)[missing - 1] + FRESH_WINDOW
    days = FRESH_WINDOW.days
    when = formats.date_format(timezone.localtime(returns), "j F Y, H:i")
    return (
        f"Every attempt draws questions you have not been shown in the last {days} days, and "
        f"you have seen {len(pool) - fresh} of the {len(pool)} questions of this quiz since "
        f"then: an attempt needs {quiz.questions_per_attempt}. Enough fresh questions return "
        f"on {when}. Until then, review the explanations of your attempts and practise."
    )


@dataclass(frozen=True)
class Answer:
    selected: list[int]
    text: str


def is_expired(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE


def save_answers(
    *, attempt: Attempt, answers: dict[int, Answer], now: datetime | None = None
) -> bool:
    """Store the learner's answers (by response order) while the attempt is open.

    Choice ids that do not belong to the question are dropped. Returns False, and changes
    nothing, when the attempt is graded or past its time limit (the caller then grades it).
    Safe to call twice.
    """
    now = now or timezone.now()
    if attempt.is_graded or is_expired(attempt, now):
        return False
    with transaction.atomic():
        # Lock the attempt: answers are never written after (or while) it is graded.
        locked = (
            Attempt.objects.select_for_update()
            .filter(pk=attempt.pk, state=Attempt.State.IN_PROGRESS)
            .values_list("pk")
        )
        if not locked:
            return False
        responses = list(
            attempt.responses.filter(order__in=answers.keys()).prefetch_related("question__choices")
        )
        changed = []
        for response in responses:
            answer = answers[response.order]
            valid = {c.pk for c in response.question.choices.all()}
            selected = sorted({pk for pk in answer.selected if pk in valid})
            if response.question.kind == Question.Kind.SINGLE:
                selected = selected[:1]
            text = "" if response.question.is_choice else answer.text.strip()[:300]
            if selected != response.selected or text != response.text:
                response.selected, response.text, response.answered_at = selected, text, now
                changed.append(response)
        Response.objects.bulk_update(changed, ["selected", "text", "answered_at"])
        if changed:
            record_study(learner_id=attempt.learner_id, at=now)
    return True


def grade_attempt(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Grade an attempt on the server, once, and update the learner's skill mastery.

    Claims the attempt with a conditional UPDATE (in progress → graded): a double submit, a
    replayed POST or two workers grade it exactly once; the others get the graded attempt.
    Unanswered questions count as wrong. Safe to call twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.IN_PROGRESS).update(
            state=Attempt.State.GRADED,
            graded_at=now,
            timed_out=attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE,
        )
        if claimed:
            responses = list(
                attempt.responses.select_related("question").prefetch_related(
                    "question__choices", "question__skills"
                )
            )
            for response in responses:
                response.correct = is_correct(
                    question=response.question, selected=response.selected, text=response.text
                )
            Response.objects.bulk_update(responses, ["correct"])
            correct = sum(1 for r in responses if r.correct)
            total = len(responses)
            score = correct * 100 // total if total else 0
            Attempt.objects.filter(pk=attempt.pk).update(
                correct_count=correct, score=score, passed=score >= attempt.quiz.pass_mark
            )
            record_skill_evidence(learner_id=attempt.learner_id, responses=responses, now=now)
            record_study(learner_id=attempt.learner_id, at=now)
            # New evidence: the phase's gate may now be met.
            advance_after_commit(
                learner_id=attempt.learner_id, track_id=attempt.quiz.phase.track_id
            )
    return Attempt.objects.select_related("quiz__phase__track").get(pk=attempt.pk)


DEFAULT_BKT = SkillParameters()


def record_skill_evidence(*, learner_id: int, responses: list[Response], now: datetime) -> None:
    """Move each tagged skill's estimate by each graded response, in order, and keep the trail.

    The only writer of SkillMastery (practice never writes it). Every response leaves one
    MasteryEvent per skill. Distinct evidence: a response to a question the learner already
    had a counted answer to within FRESH_WINDOW (30 days) before `now` is a repeat, recorded
    with counted=False and p_before == p_after, and moves neither the estimate nor the
    answer counts; retaking the same questions cannot farm mastery. `responses` must come
    with `question__skills` and `question__choices` prefetched. Grading calls it once per
    attempt (the attempt is claimed first), so it is not called twice for a response; the
    unique (response, skill) constraint would refuse a second trail.

    A fixed number of queries whatever the number of responses and skills.
    """
    skill_ids = {s.pk for r in responses for s in r.question.skills.all()}
    if not skill_ids:
        return
    # One learner's mastery rows are updated by one grading at a time.
    User.objects.select_for_update().filter(pk=learner_id).values_list("pk").get()
    params = {p.skill_id: p for p in SkillParameters.objects.filter(skill_id__in=skill_ids)}
    masteries = {
        m.skill_id: m
        for m in SkillMastery.objects.filter(learner_id=learner_id, skill_id__in=skill_ids)
    }
    # Per (skill, question) ever counted: when it last was (one query for both rules).
    last_counted = {
        (skill_id, question_id): last
        for skill_id, question_id, last in MasteryEvent.objects.filter(
            learner_id=learner_id, skill_id__in=skill_ids, counted=True
        )
        .order_by()
        .values("skill_id", "question_id")
        .annotate(last=Max("created_at"))
        .values_list("skill_id", "question_id", "last")
    }
    recent_questions = {q for (_, q), last in last_counted.items() if last > now - FRESH_WINDOW}
    new: dict[int, SkillMastery] = {}
    events = []
    for response in responses:
        question = response.question
        repeat = question.pk in recent_questions
        for skill in question.skills.all():
            p = params.get(skill.pk, DEFAULT_BKT)
            mastery = masteries.get(skill.pk) or new.get(skill.pk)
            if mastery is None:
                mastery = new[skill.pk] = SkillMastery(
                    learner_id=learner_id, skill_id=skill.pk, p_known=p.p_init
                )
            before = after = mastery.p_known
            if not repeat:
                after = bkt_step(p, before, bool(response.correct), is_choice=question.is_choice)
                mastery.p_known = after
                mastery.responses += 1
                if (skill.pk, question.pk) not in last_counted:
                    last_counted[(skill.pk, question.pk)] = now
                    mastery.distinct_questions += 1
                mastery.updated_at = now
            events.append(
                MasteryEvent(
                    learner_id=learner_id,
                    skill_id=skill.pk,
                    response=response,
                    question=question,
                    correct=bool(response.correct),
                    p_before=before,
                    p_after=after,
                    counted=not repeat,
                    created_at=now,
                )
            )
    SkillMastery.objects.bulk_create(new.values())
    SkillMastery.objects.bulk_update(
        masteries.values(), ["p_known", "responses", "distinct_questions", "updated_at"]
    )
    MasteryEvent.objects.bulk_create(events)


def bkt_step(params: SkillParameters, p_known: float, correct: bool, *, is_choice: bool) -> float:
    """P(known) after one graded answer with a skill's parameters (guessing is likelier on
    choice questions than on numeric and short-text ones)."""
    _, after = bkt_update(
        p_known,
        correct,
        transit=params.p_transit,
        guess=params.p_guess if is_choice else params.p_guess_open,
        slip=params.p_slip,
    )
    return after


# --- Resources ------------------------------------------------------------------------------


def set_resource_done(*, learner: User, resource: Resource, done: bool) -> bool:
    """Mark a resource done (or not done) for a learner. Safe to call twice."""
    if done:
        ResourceCompletion.objects.get_or_create(learner=learner, resource=resource)
    else:
        ResourceCompletion.objects.filter(learner=learner, resource=resource).delete()
    return done
