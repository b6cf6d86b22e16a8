"""Momentum: a weekly goal in study days, the days studied this week, the streak of weeks met.

Counted from what Edirae records (the same events as the reminders' "study"): quiz attempts
started, flashcard reviews, key actions ticked, rounds of evidence sent. Each app registers
where its events are (`register_study_source`, from its AppConfig.ready), so `tracks`
imports neither `quizzes` nor `mentors`. One query, a UNION of the distinct local days of
every source, bounded by the look-back whatever the learner's history.

The goal comes from the plan's hours, in sessions of about 1.5 hours as the reminders assume
(reminders.rules.STUDY_SESSION_HOURS): 10 h a week is a session every day, 5 h four days, 3 h
two. Weeks are ISO weeks in the learner's zone, Monday first.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from tracks import progression
from tracks.models import Enrollment, KeyActionProgress

SESSION_HOURS = 1.5
LOOK_BACK_WEEKS = 12  # the streak is shown up to "12 weeks" and more is not counted

# A source: (learner id, since) -> a queryset with one datetime column named "at".
StudySource = Callable[[int, datetime], QuerySet]
_sources: dict[str, StudySource] = {}


def register_study_source(key: str, source: StudySource) -> None:
    """Add where an app records study (the same key again replaces it)."""
    _sources[key] = source


def _ticks(learner_id: int, since: datetime) -> QuerySet:
    return KeyActionProgress.objects.filter(
        enrollment__learner_id=learner_id, ticked_at__gte=since
    ).values(at=F("ticked_at"))


register_study_source("tracks.ticks", _ticks)


@dataclass(frozen=True)
class Momentum:
    goal_days: int  # study days a week the plan's hours call for
    days_this_week: int
    week_days: tuple[bool, ...]  # Monday..Sunday of this week: studied or not
    streak_weeks: int  # weeks in a row with the goal met (this one counts once met)

    @property
    def goal_met(self) -> bool:
        return self.days_this_week >= self.goal_days

    @property
    def days_left(self) -> int:
        return max(0, self.goal_days - self.days_this_week)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.days_this_week / self.goal_days))


def goal_days(*, hours_per_week: int) -> int:
    return max(1, min(7, math.ceil(hours_per_week / SESSION_HOURS)))


def study_days(*, learner_id: int, zone: str, since: datetime) -> set[date]:
    """The local days with any study since `since` (one query)."""
    tz = ZoneInfo(zone)
    parts = [
        source(learner_id, since).annotate(day=TruncDate("at", tzinfo=tz)).values("day").order_by()
        for source in _sources.values()
    ]
    if not parts:
        return set()
    first, *rest = parts
    return {row["day"] for row in first.union(*rest).order_by()}


def _cached_study_days(*, enrollment: Enrollment, zone: str, since: datetime) -> set[date]:
    """`study_days` for the enrollment's learner, kept until their evidence version moves:
    every service that records study (`tracks.services.record_study`) or takes it back (an
    untick: `progression.evidence_changed`) moves it (`progression.kept_while_evidence_stays`)."""
    return progression.kept_while_evidence_stays(
        enrollment,
        f"study-days:{zone}:{since.isoformat()}",
        lambda: study_days(learner_id=enrollment.learner_id, zone=zone, since=since),
    )


def momentum(*, enrollment: Enrollment, now: datetime | None = None) -> Momentum:
    """The learner's momentum on their active enrollment (one query, or one cache read while
    the learner's evidence version stays: see `_cached_study_days`)."""
    now = now or timezone.now()
    zone = enrollment.time_zone or "UTC"
    today = now.astimezone(ZoneInfo(zone)).date()
    monday = today - timedelta(days=today.weekday())
    first_monday = monday - timedelta(weeks=LOOK_BACK_WEEKS)
    since = max(
        datetime.combine(first_monday, datetime.min.time(), tzinfo=ZoneInfo(zone)),
        enrollment.created_at,
    )
    days = _cached_study_days(enrollment=enrollment, zone=zone, since=since)
    goal = goal_days(hours_per_week=enrollment.hours_per_week)
    week = tuple((monday + timedelta(days=i)) in days for i in range(7))
    this_week = sum(week)
    streak = 1 if this_week >= goal else 0
    week_start = monday - timedelta(weeks=1)
    while week_start >= first_monday:
        studied = sum(1 for i in range(7) if week_start + timedelta(days=i) in days)
        if studied < goal:
            break
        streak += 1
        week_start -= timedelta(weeks=1)
    return Momentum(goal_days=goal, days_this_week=this_week, week_days=week, streak_weeks=streak)
