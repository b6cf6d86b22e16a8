"""Shared queries of the learner kinds: who is a learner, when they last studied, what they
studied in a period, local weeks by zone, and their next step (at delivery).

Every expression here is set-based: a correlated subquery or a join over the `recipients`
queryset, never a query per user. Each per-learner subquery is an index-only scan (the
indexes are named after the sweep: `phase_progress_sweep`, `key_action_ticked`,
`attempt_graded`, `card_state_due`; `benchmarks/reminder_sweep.py` measures them).
"""

from datetime import datetime, timedelta

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.urls import reverse

from accounts.models import User
from edirae.timezones import known_time_zones, zone_info
from mentors.models import Submission, SubmissionRound
from quizzes.models import Attempt, ReviewLog
from reminders import rules
from tracks.models import KeyActionProgress, PhaseProgress
from tracks.selectors import dashboard

WEEK = timedelta(days=7)


def learners(recipients: QuerySet[User]) -> QuerySet[User]:
    """Recipients with an active enrollment on a track they have not finished, annotated with
    that enrollment (`enrollment_id`, `hours_per_week`, `track_title`, `enrolled_at`: when
    the enrollment was last created, resumed or its goals changed; `studied_at`: when the
    learner last studied, kept by `tracks.services.record_study`, NULL if never).

    `recipients` (from `reminders.selectors.audience`) already joins the active enrollment
    as `goals` (at most one row per user: a database constraint)."""
    # (Filtering on the annotations reuses the join; a new filter() on `goals__...` would
    # join the enrollment table again.)
    unfinished = PhaseProgress.objects.filter(enrollment=OuterRef("enrollment_id")).exclude(
        state=PhaseProgress.State.MASTERED
    )
    return (
        recipients.annotate(
            enrollment_id=F("goals__id"),
            hours_per_week=F("goals__hours_per_week"),
            track_title=F("goals__track__title"),
            enrolled_at=F("goals__updated_at"),
            studied_at=F("goals__last_studied_at"),
        )
        .filter(enrollment_id__isnull=False)
        .filter(Exists(unfinished))
        .order_by()
    )


def last_study_at() -> Greatest:
    """When the learner (the outer User row, from `learners`) last studied: the time kept on
    their active enrollment by `tracks.services.record_study` (the latest attempt started,
    answer saved, attempt graded, card reviewed, key action ticked, evidence drafted or
    sent); or, if later or if none, when the enrollment was last (re)started. One column of
    the enrollment `learners` already joins, instead of seven subqueries over every answer,
    review and tick of the learner. (The NULL falls back to that time: GREATEST returns
    NULL on some databases as soon as one argument is NULL.)"""
    anchor = F("enrolled_at")
    return Greatest(anchor, Coalesce(F("studied_at"), anchor))


def total_of(queryset: QuerySet, group: str, aggregate, output_field, zero) -> Coalesce:
    """A correlated subquery with one aggregate over `queryset` (filtered on the outer row),
    zero when there are no rows."""
    return Coalesce(
        Subquery(
            queryset.order_by().values(group).annotate(total=aggregate).values("total")[:1],
            output_field=output_field,
        ),
        Value(zero, output_field=output_field),
    )


def count_rows(queryset: QuerySet, group: str) -> Coalesce:
    # COUNT(*), not COUNT(id): an index on the filtered columns answers it alone (an
    # index-only scan), without reading each row from the table.
    return total_of(queryset, group, Count("*"), IntegerField(), 0)


def if_studied_since(since, value: Coalesce) -> Case:
    """`value` (a count or total of the learner's study since `since`) for learners whose
    last study (`last_study` from `last_study_at`) is that recent; else its zero without
    running the subquery: most learners did not study in a given week, and every row those
    counts read is study that `record_study` noted on the enrollment."""
    zero = value.source_expressions[-1]
    return Case(When(last_study__gte=since, then=value), default=zero)


# Two counts packed in one integer, `first * PAIR + second`: far above any week's count.
PAIR = 1_000_000


def count_pair(queryset: QuerySet, group: str, first: Q, second: Q) -> Coalesce:
    """Two counts over `queryset` from one correlated subquery (one index scan per learner
    instead of two): unpack with `divmod(value, PAIR)`."""
    packed = Sum(
        Case(When(first, then=Value(PAIR)), default=Value(0), output_field=IntegerField())
        + Case(When(second, then=Value(1)), default=Value(0), output_field=IntegerField())
    )
    return total_of(queryset, group, packed, IntegerField(), 0)


def study_totals(since, *, outer_since=None) -> dict:
    """Annotations of the study recorded since `since` (an expression or a datetime), for
    `learners` rows annotated with `last_study`: attempt time (each attempt capped), card
    review time in milliseconds (each review estimated), key actions ticked, rounds of
    evidence sent. `outer_since` is `since` as the outer row sees it (when `since` is an
    OuterRef)."""
    learner = OuterRef("pk")
    attempt_time = Least(
        ExpressionWrapper(F("graded_at") - F("started_at"), output_field=DurationField()),
        Value(timedelta(minutes=rules.ATTEMPT_MINUTES_CAP), output_field=DurationField()),
    )
    review_ms = Least(
        Coalesce(F("duration_ms"), Value(int(rules.CARD_REVIEW_MINUTES * 60_000))),
        Value(int(rules.CARD_REVIEW_MINUTES_CAP * 60_000)),
    )
    totals = {
        "attempt_time": total_of(
            Attempt.objects.filter(learner=learner, graded_at__gte=since),
            "learner",
            Sum(attempt_time),
            DurationField(),
            timedelta(0),
        ),
        "review_ms": total_of(
            ReviewLog.objects.filter(learner=learner, reviewed_at__gte=since),
            "learner",
            Sum(review_ms),
            IntegerField(),
            0,
        ),
        "ticks": count_rows(
            KeyActionProgress.objects.filter(enrollment__learner=learner, ticked_at__gte=since),
            "enrollment__learner",
        ),
        "rounds_sent": count_rows(
            SubmissionRound.objects.filter(submission__learner=learner, submitted_at__gte=since),
            "submission__learner",
        ),
    }
    outer = since if outer_since is None else outer_since
    return {name: if_studied_since(outer, value) for name, value in totals.items()}


def zones_where(now: datetime, test) -> list[str]:
    """Known zones whose local time at `now` passes `test` (e.g. it is Monday there)."""
    return sorted(zone for zone in known_time_zones() if test(now.astimezone(zone_info(zone))))


def local_week_start(now: datetime, zone: str) -> datetime:
    """Monday 00:00 of the current local week in `zone`, as an aware datetime."""
    local = now.astimezone(zone_info(zone))
    monday = local.date() - timedelta(days=local.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=zone_info(zone))


def week_start_by_zone(now: datetime, zones: list[str]) -> Case:
    """The start of each user's local week, in SQL: one WHEN per distinct week start."""
    groups: dict[datetime, list[str]] = {}
    for zone in zones:
        groups.setdefault(local_week_start(now, zone), []).append(zone)
    return Case(
        *(
            When(reminder_time_zone__in=members, then=Value(start))
            for start, members in sorted(groups.items())
        ),
        default=Value(now - WEEK),
        output_field=DateTimeField(),
    )


def next_step(*, user: User) -> tuple[str, str] | None:
    """The learner's next best action as (sentence, path), at delivery time (a few queries,
    for one user): evidence a mentor sent back first, then the next key action of the open
    phase, then the open phase's Learning Center (quiz, cards, evidence for its gate)."""
    changes = (
        Submission.objects.filter(learner=user, state=Submission.State.CHANGES_REQUESTED)
        .select_related("key_action")
        .order_by("updated_at")
        .first()
    )
    if changes is not None:
        return (
            f"Revise your evidence for “{changes.key_action.text}”: a mentor asked for changes.",
            changes.get_absolute_url(),
        )
    board = dashboard(learner=user)
    if board is None or board.current is None:
        return None
    if board.next_action is not None:
        return (f"Next key action: {board.next_action.action.text}", "/")
    phase = board.current.phase
    return (
        f"Every key action of Phase {phase.order} · {phase.title} is ticked: work toward its "
        "gate (quiz, flashcards, evidence) in the Learning Center.",
        reverse(
            "quizzes:phase",
            kwargs={"track_slug": board.enrollment.track.slug, "phase_slug": phase.slug},
        ),
    )


def plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"
