"""When a learner may start a quiz attempt (cooldown, attempts per day, one open attempt) and
which questions they were shown lately (fresh items). Re-exported by quizzes.selectors."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from quizzes.models import FRESH_WINDOW, Attempt, Quiz, Response
from tracks import progression
from tracks.models import Enrollment

DAY = timedelta(hours=24)


def wait_label(delta: timedelta) -> str:
    """'1 min', '25 min', '5 h 12 min': rounded up, never 'now' while a wait remains."""
    minutes = max(1, math.ceil(delta.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@dataclass(frozen=True)
class Availability:
    can_start: bool
    message: str
    next_at: datetime | None = None
    in_progress: Attempt | None = None


def latest_attempts(*, learner: User | int, quiz: Quiz, count: int) -> list[Attempt]:
    """The learner's `count` latest attempts at `quiz`, newest first (one query)."""
    return list(
        Attempt.objects.filter(learner=learner, quiz=quiz).order_by("-started_at", "-id")[:count]
    )


def kept_latest_attempts(*, enrollment: Enrollment, quiz: Quiz, count: int) -> list[Attempt]:
    """`latest_attempts` of the enrollment's learner, for pages: one cache read until their
    next attempt, which moves their evidence version (`tracks.services.record_study`: every
    attempt started, answered or graded). Never for a decision: `start_attempt` reads afresh."""
    return progression.kept_while_evidence_stays(
        enrollment,
        f"latest-attempts:{quiz.pk}:{count}",
        lambda: latest_attempts(learner=enrollment.learner_id, quiz=quiz, count=count),
    )


def attempts_needed(quiz: Quiz) -> int:
    """How many of the latest attempts `quiz_availability` reads: the daily limit, at least one."""
    return max(quiz.attempts_per_day or 1, 1)


def quiz_availability(
    *,
    learner: User,
    quiz: Quiz,
    now: datetime | None = None,
    latest: list[Attempt] | None = None,
) -> Availability:
    """Whether the learner may start an attempt now and, if not, a sentence saying when.

    One query: the most recent attempts, as many as the daily limit (at least one); none when
    the caller gives them as `latest` (`latest_attempts`, at least `attempts_needed`).
    """
    now = now or timezone.now()
    if latest is None:
        latest = latest_attempts(learner=learner, quiz=quiz, count=attempts_needed(quiz))
    recent = latest[: attempts_needed(quiz)]
    if recent and recent[0].state == Attempt.State.IN_PROGRESS:
        return Availability(False, "You have an attempt in progress.", in_progress=recent[0])
    waits: list[tuple[datetime, str]] = []
    if recent and quiz.cooldown_minutes and recent[0].graded_at:
        ready = recent[0].graded_at + timedelta(minutes=quiz.cooldown_minutes)
        if ready > now:
            waits.append((ready, f"a {quiz.cooldown_minutes}-minute cooldown follows each attempt"))
    if quiz.attempts_per_day and len(recent) >= quiz.attempts_per_day:
        ready = recent[quiz.attempts_per_day - 1].started_at + DAY
        if ready > now:
            plural = "s" if quiz.attempts_per_day != 1 else ""
            waits.append(
                (
                    ready,
                    f"you have used your {quiz.attempts_per_day} attempt{plural} "
                    "of the last 24 hours",
                )
            )
    if not waits:
        return Availability(True, "You can start an attempt.")
    ready, reason = max(waits)
    return Availability(
        False, f"Your next attempt is possible in {wait_label(ready - now)}: {reason}.", ready
    )


def recently_shown(*, learner: User, quiz: Quiz, now: datetime) -> dict[int, datetime]:
    """The questions of `quiz` drawn for the learner within FRESH_WINDOW before `now`, each
    with the start of the latest attempt that showed it (one query)."""
    return dict(
        Response.objects.filter(
            attempt__learner=learner,
            attempt__quiz=quiz,
            attempt__started_at__gt=now - FRESH_WINDOW,
        )
        .order_by()
        .values("question_id")
        .annotate(last=Max("attempt__started_at"))
        .values_list("question_id", "last")
    )
