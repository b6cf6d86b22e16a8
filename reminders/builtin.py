"""Edirae's reminder kinds, wired to the data of `tracks`, `quizzes` and `mentors`.

Registered by `RemindersConfig.ready()`. `reminders` imports those apps; none of them imports
`reminders` (evidence reviews and escalations reach learners, mentors and staff because the
sweep finds them in the data, not because `mentors` calls us).

Each kind's `due` runs a fixed number of queries whatever the number of users (correlated
subqueries and joins over the `recipients` queryset, never a query per user) and decides
with the pure rules of `reminders.rules`. `content` runs at delivery, for one user: it may
read that user's data.

**Learners** (the first four kinds) are recipients with an *active* enrollment whose track
is not finished (at least one phase not mastered). A learner whose only enrollments are
paused, or who mastered every phase, gets none of them.

**Study** is what Edirae records a learner doing: starting, answering and finishing quiz
attempts, reviewing flashcards, ticking key actions, writing and sending evidence. For the
weekly goal it is turned into minutes as `reminders.rules.study_minutes` says (attempts by
their duration, capped; card reviews by a fixed estimate; ticks and evidence by a fixed,
conservative credit): an estimate, said as such in the mail.
"""

from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
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
from django.utils import timezone

from accounts.models import User
from mentors.models import Review, Submission, SubmissionRound
from mentors.selectors import mentor_covers
from quizzes.models import Attempt, Card, CardState, ReviewLog
from reminders import rules
from reminders.kinds import Content, Due, Kind, Registry
from reminders.periods import known_time_zones, local_day, local_now, zone_info
from tracks.models import Enrollment, KeyActionProgress, PhaseProgress, Track
from tracks.selectors import dashboard

# Flashcards due before the reminder is worth a mail (at most one a local day).
CARDS_DUE_THRESHOLD = 10
# The weekly digest goes out on this local weekday (0 is Monday) and covers the 7 days before.
DIGEST_WEEKDAY = 0
WEEK = timedelta(days=7)
# "Your evidence was reviewed" looks back this far (see rules.evidence_reviewed_due).
REVIEW_LOOKBACK = timedelta(days=7)

ACTIVE = Enrollment.Status.ACTIVE


# --- Shared queries -------------------------------------------------------------------------


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


def _total(queryset: QuerySet, group: str, aggregate, output_field, zero) -> Coalesce:
    """A correlated subquery with one aggregate over `queryset` (filtered on the outer row),
    zero when there are no rows."""
    return Coalesce(
        Subquery(
            queryset.order_by().values(group).annotate(total=aggregate).values("total")[:1],
            output_field=output_field,
        ),
        Value(zero, output_field=output_field),
    )


def _count(queryset: QuerySet, group: str) -> Coalesce:
    # COUNT(*), not COUNT(id): an index on the filtered columns answers it alone (an
    # index-only scan), without reading each row from the table.
    return _total(queryset, group, Count("*"), IntegerField(), 0)


def if_studied_since(since, value: Coalesce) -> Case:
    """`value` (a count or total of the learner's study since `since`) for learners whose
    last study (`last_study` from `last_study_at`) is that recent; else its zero without
    running the subquery: most learners did not study in a given week, and every row those
    counts read is study that `record_study` noted on the enrollment."""
    zero = value.source_expressions[-1]
    return Case(When(last_study__gte=since, then=value), default=zero)


# Two counts packed in one integer, `first * PAIR + second`: far above any week's count.
PAIR = 1_000_000


def _pair(queryset: QuerySet, group: str, first: Q, second: Q) -> Coalesce:
    """Two counts over `queryset` from one correlated subquery (one index scan per learner
    instead of two): unpack with `divmod(value, PAIR)`."""
    packed = Sum(
        Case(When(first, then=Value(PAIR)), default=Value(0), output_field=IntegerField())
        + Case(When(second, then=Value(1)), default=Value(0), output_field=IntegerField())
    )
    return _total(queryset, group, packed, IntegerField(), 0)


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
        "attempt_time": _total(
            Attempt.objects.filter(learner=learner, graded_at__gte=since),
            "learner",
            Sum(attempt_time),
            DurationField(),
            timedelta(0),
        ),
        "review_ms": _total(
            ReviewLog.objects.filter(learner=learner, reviewed_at__gte=since),
            "learner",
            Sum(review_ms),
            IntegerField(),
            0,
        ),
        "ticks": _count(
            KeyActionProgress.objects.filter(enrollment__learner=learner, ticked_at__gte=since),
            "enrollment__learner",
        ),
        "rounds_sent": _count(
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


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


# --- Learner kinds --------------------------------------------------------------------------


class Inactivity(Kind):
    key = "inactivity"
    label = "Nudge after a break"
    description = (
        "When you have not studied for a while (judged from the hours a week in your plan): "
        "at most three nudges per break, further and further apart."
    )

    def due(self, *, now, recipients):
        rows = (
            learners(recipients)
            .annotate(last_study_at=last_study_at())
            .values_list("id", "reminder_time_zone", "hours_per_week", "last_study_at")
        )
        due = []
        now_in = cache(lambda zone: local_now(now, zone))  # thousands of users, a dozen zones
        for pk, zone, hours, last in rows:
            cadence = rules.cadence_days(hours_per_week=hours)
            now_local = now_in(zone)
            period = rules.inactivity_due(
                last_study_at=last, cadence_days=cadence, now_local=now_local
            )
            if period is not None:
                idle = (now_local.date() - last.astimezone(now_local.tzinfo).date()).days
                due.append(Due(pk, period, {"idle_days": idle, "cadence_days": cadence}))
        return due

    def content(self, *, reminder):
        idle = reminder.payload["idle_days"]
        cadence = reminder.payload["cadence_days"]
        pace = "every day" if cadence == 1 else f"about every {cadence} days"
        step = next_step(user=reminder.user)
        body = (
            f"Your plan counts on a study session {pace}, and it has been "
            f"{_plural(idle, 'day')}. A short session today keeps what you learned fresh."
        )
        if step is not None:
            body += f"\n\n{step[0]}"
        return Content(
            subject=f"{_plural(idle, 'day')} since you last studied",
            title=f"{_plural(idle, 'day')} since you last studied",
            body=body,
            url=step[1] if step else "/",
            action="Pick up where you left off",
        )


class CardsDue(Kind):
    key = "cards_due"
    label = "Flashcards due"
    description = (
        f"When {CARDS_DUE_THRESHOLD} or more of your flashcards are due for review: "
        "at most once a day."
    )

    def due(self, *, now, recipients):
        # The cards that count (active, in an active deck of a published track) are one
        # uncorrelated subquery, hashed once per sweep; each learner's count is then one
        # range scan of the (learner, due) index, empty for most learners. (Joining the
        # cards, decks, phases and tracks inside the per-learner subquery re-read those
        # tables for every learner at their hour: 0.045 ms each, 430 ms at 100k learners.)
        live_cards = Card.objects.filter(
            is_active=True,
            deck__is_active=True,
            deck__phase__track__status=Track.Status.PUBLISHED,
        ).values("pk")
        due_cards = CardState.objects.filter(
            learner=OuterRef("pk"), due__lte=now, card__in=live_cards
        )
        # The threshold is applied here, not in SQL: in a WHERE clause PostgreSQL counts the
        # cards of every user before it narrows them to those at their hour.
        rows = (
            learners(recipients)
            .annotate(cards_due=_count(due_cards, "learner"))
            .values_list("id", "reminder_time_zone", "cards_due")
        )
        day = cache(lambda zone: local_day(now, zone))  # thousands of users, a dozen zones
        return [
            Due(pk, day(zone), {"count": count})
            for pk, zone, count in rows
            if rules.cards_due_worth_sending(count=count, threshold=CARDS_DUE_THRESHOLD)
        ]

    def content(self, *, reminder):
        count = reminder.payload["count"]
        return Content(
            subject=f"{count} flashcards are due for review",
            title=f"{count} flashcards are due for review",
            body=(
                "Each card is scheduled just before you would forget it: reviewing them today "
                "is the cheapest way to keep what you learned. "
                f"At most {settings.FLASHCARDS_REVIEWS_PER_DAY} reviews a day, so a long "
                "break never buries you."
            ),
            url=reverse("quizzes:review"),
            action="Review your cards",
        )


class WeeklyGoal(Kind):
    key = "weekly_goal"
    label = "Weekly goal"
    description = (
        "When you are behind the hours a week of your plan, only while the goal can still be "
        "met this week: at most once a week."
    )

    def due(self, *, now, recipients):
        # Never due on the week's first day (nothing can be behind yet): skip those zones.
        zones = zones_where(now, lambda local: local.weekday() != 0)
        rows = (
            learners(recipients)
            .filter(reminder_time_zone__in=zones)
            .annotate(week_start=week_start_by_zone(now, zones), last_study=last_study_at())
            .annotate(**study_totals(OuterRef("week_start"), outer_since=F("week_start")))
            .values_list(
                "id",
                "reminder_time_zone",
                "hours_per_week",
                "attempt_time",
                "review_ms",
                "ticks",
                "rounds_sent",
            )
        )
        due = []
        now_in = cache(lambda zone: local_now(now, zone))  # thousands of users, a dozen zones
        for pk, zone, hours, attempt_time, review_ms, ticks, rounds_sent in rows:
            minutes = rules.study_minutes(
                attempt_minutes=attempt_time.total_seconds() / 60,
                card_review_minutes=review_ms / 60_000,
                key_actions_ticked=ticks,
                rounds_sent=rounds_sent,
            )
            period = rules.weekly_goal_due(
                hours_per_week=hours,
                hours_done_this_week=minutes / 60,
                now_local=now_in(zone),
            )
            if period is not None:
                payload = {"hours_per_week": hours, "hours_done": round(minutes / 60, 1)}
                due.append(Due(pk, period, payload))
        return due

    def content(self, *, reminder):
        goal = reminder.payload["hours_per_week"]
        done = reminder.payload["hours_done"]
        left = max(goal - done, 0)
        return Content(
            subject=f"{left:g} hours to your weekly goal: still within reach",
            title=f"{left:g} of your {goal} hours a week are still to do",
            body=(
                f"By our estimate you studied about {done:g} hours this week (quiz time, "
                "flashcard reviews, key actions ticked and evidence sent; work outside Edirae "
                f"counts only a little). {left:g} hours still fit before Sunday night."
            ),
            url="/",
            action="Plan a session",
        )


class WeeklyDigest(Kind):
    key = "weekly_digest"
    label = "Weekly progress"
    description = "Every Monday: what moved on your track last week, and what is next."

    def due(self, *, now, recipients):
        zones = zones_where(now, lambda local: local.weekday() == DIGEST_WEEKDAY)
        if not zones:
            return []
        since = now - WEEK
        learner = OuterRef("pk")
        # On the active enrollment `learners` already joined: no join back to the enrollment
        # table by learner in each subquery (measured with EXPLAIN ANALYZE at 100k learners).
        enrollment = OuterRef("enrollment_id")
        progress = PhaseProgress.objects.filter(enrollment=enrollment)
        graded = Attempt.objects.filter(learner=learner, graded_at__gte=since, graded_at__lte=now)
        rows = (
            learners(recipients)
            .filter(reminder_time_zone__in=zones)
            .annotate(last_study=last_study_at())
            .annotate(
                # Two counts from one scan of the enrollment's phases (see `_pair`).
                phases_moved=_pair(
                    progress.filter(Q(mastered_at__gte=since) | Q(unlocked_at__gte=since)),
                    "enrollment",
                    Q(mastered_at__gte=since),
                    Q(unlocked_at__gte=since),
                ),
                # (Ticks, grades and reviews are study: none since `since` if the learner's
                # last study is older.)
                key_actions_ticked=if_studied_since(
                    since,
                    _count(
                        KeyActionProgress.objects.filter(
                            enrollment=enrollment, ticked_at__gte=since
                        ),
                        "enrollment",
                    ),
                ),
                attempts=if_studied_since(
                    since, _pair(graded, "learner", Q(passed=True), Q(graded_at__isnull=False))
                ),
                cards_reviewed=if_studied_since(
                    since,
                    _count(
                        ReviewLog.objects.filter(learner=learner, reviewed_at__gte=since),
                        "learner",
                    ),
                ),
                evidence_reviewed=_count(
                    Review.objects.filter(
                        round__submission__learner=learner, created_at__gte=since
                    ),
                    "round__submission__learner",
                ),
            )
            .values_list(
                "id",
                "reminder_time_zone",
                "track_title",
                "phases_moved",
                "key_actions_ticked",
                "attempts",
                "cards_reviewed",
                "evidence_reviewed",
            )
        )
        period = cache(
            lambda zone: rules.weekly_digest_due(
                now_local=local_now(now, zone), weekday=DIGEST_WEEKDAY
            )
        )
        due = []
        for pk, zone, track_title, moved, ticked, attempts, reviews, evidence in rows:
            if (week := period(zone)) is None:
                continue
            mastered, unlocked = divmod(moved, PAIR)
            passed, graded = divmod(attempts, PAIR)
            payload = {
                "track_title": track_title,
                "key_actions_ticked": ticked,
                "cards_reviewed": reviews,
                "evidence_reviewed": evidence,
                "phases_mastered": mastered,
                "phases_unlocked": unlocked,
                "attempts_passed": passed,
                "attempts_graded": graded,
            }
            due.append(Due(pk, week, payload))
        return due

    def content(self, *, reminder):
        moved = self.what_moved(reminder.payload)
        track = reminder.payload["track_title"]
        body = f"Last week on {track}:\n" + (
            "\n".join(f"• {line}" for line in moved)
            if moved
            else "• Nothing moved. That happens; one session this week gets you going again."
        )
        step = next_step(user=reminder.user)
        if step is not None:
            body += f"\n\nWhat is next: {step[0]}"
        return Content(
            subject=f"Your week on {track}: what moved, what is next",
            title=f"Your week on {track}",
            body=body,
            url=step[1] if step else "/",
            action="Open your plan" if step is None or step[1] == "/" else "Do the next step",
        )

    @staticmethod
    def what_moved(figures: dict) -> list[str]:
        lines = []
        if figures["phases_mastered"]:
            lines.append(f"{_plural(figures['phases_mastered'], 'phase')} mastered")
        if figures["phases_unlocked"]:
            lines.append(f"{_plural(figures['phases_unlocked'], 'phase')} unlocked")
        if figures["key_actions_ticked"]:
            lines.append(f"{_plural(figures['key_actions_ticked'], 'key action')} ticked")
        if figures["attempts_graded"]:
            lines.append(
                f"{_plural(figures['attempts_graded'], 'quiz attempt')} graded "
                f"({figures['attempts_passed']} passed)"
            )
        if figures["cards_reviewed"]:
            lines.append(f"{_plural(figures['cards_reviewed'], 'flashcard review')}")
        if figures["evidence_reviewed"]:
            lines.append(
                f"{_plural(figures['evidence_reviewed'], 'piece', 'pieces')} of evidence "
                "reviewed by a mentor"
            )
        return lines


# --- Evidence -------------------------------------------------------------------------------


class EvidenceReviewed(Kind):
    """To the learner, as soon as a mentor reviews their evidence (any hour: it is news
    about their own work, not a nudge). Unlike the other learner kinds it does not require
    an active, unfinished enrollment: the approval that masters a track's last phase must
    still be announced, and so must a review of evidence sent before pausing a track."""

    key = "evidence_reviewed"
    label = "Evidence reviewed"
    description = "As soon as a mentor approves your evidence or asks for changes."
    hour_bound = False

    def due(self, *, now, recipients):
        rows = Review.objects.filter(
            created_at__gt=now - REVIEW_LOOKBACK,
            created_at__lte=now,
            round__submission__learner__in=recipients.values("pk"),
        ).values_list(
            "pk",
            "round__submission__learner_id",
            "created_at",
            "verdict",
            "round__submission_id",
            "round__submission__key_action__text",
        )
        due = []
        for pk, learner_id, decided_at, verdict, submission_id, action in rows:
            period = rules.evidence_reviewed_due(review_id=pk, decided_at=decided_at, now=now)
            if period is not None:
                payload = {"verdict": verdict, "submission_id": submission_id, "key_action": action}
                due.append(Due(learner_id, period, payload))
        return due

    def content(self, *, reminder):
        payload = reminder.payload
        if payload["verdict"] == Review.Verdict.APPROVE:
            title = "Your evidence was approved"
            body = f"A mentor approved your evidence for “{payload['key_action']}”."
        else:
            title = "A mentor asked for changes to your evidence"
            body = (
                f"A mentor reviewed your evidence for “{payload['key_action']}” and asked for "
                "changes. Their feedback says what to improve; resubmit when you are ready."
            )
        return Content(
            subject=title,
            title=title,
            body=body,
            url=reverse("mentors:submission", kwargs={"pk": payload["submission_id"]}),
            action="Read the feedback",
        )


class EvidenceWaiting(Kind):
    """To the mentors of the track once a round of evidence waits past the review promise,
    and to staff once `mentors` has escalated it. Once per round and audience (a
    resubmission is a new round, with a new promise). Not bound to the hour: a broken
    promise is urgent. A round claimed by a mentor right now is not reminded about."""

    key = "evidence_waiting"
    label = "Evidence waiting for review"
    description = (
        "For mentors and staff: evidence that has waited past the review promise (once per "
        "submission round)."
    )
    hour_bound = False

    def due(self, *, now, recipients):
        promise = settings.EVIDENCE_REVIEW_PROMISE_HOURS
        not_claimed = Q(state=Submission.State.SUBMITTED) | Q(
            Q(claim_expires_at__isnull=True) | Q(claim_expires_at__lte=now),
            state=Submission.State.IN_REVIEW,
        )
        current_round = SubmissionRound.objects.filter(submission=OuterRef("pk")).order_by(
            "-number"
        )
        overdue = list(
            Submission.objects.filter(not_claimed, submitted_at__lte=now - timedelta(hours=promise))
            .annotate(
                round_id=Subquery(current_round.values("pk")[:1]),
                covered=mentor_covers(OuterRef("track")),
            )
            .values(
                "covered",
                "pk",
                "learner_id",
                "track_id",
                "submitted_at",
                "escalated_at",
                "round_id",
                "key_action__text",
                "phase__order",
                "phase__title",
                "track__title",
            )
        )
        if not overdue:
            return []
        mentors: dict[int, set[int]] = {}
        for user_id, track_id in recipients.filter(
            mentor_profile__is_active=True,
            mentor_profile__tracks__in={row["track_id"] for row in overdue},
        ).values_list("pk", "mentor_profile__tracks"):
            mentors.setdefault(track_id, set()).add(user_id)
        # A track that no active mentor covers falls to the staff's fallback reviewers: they
        # are its mentors here (mentors.selectors.visible_to puts it in their queue).
        if uncovered := {row["track_id"] for row in overdue if not row["covered"]}:
            fallback = set(
                recipients.filter(
                    is_staff=True,
                    mentor_profile__is_active=True,
                    mentor_profile__is_fallback_reviewer=True,
                ).values_list("pk", flat=True)
            )
            mentors.update(dict.fromkeys(uncovered, fallback))
        staff: list[int] = []
        if any(row["escalated_at"] is not None for row in overdue):
            staff = list(recipients.filter(is_staff=True).values_list("pk", flat=True))
        due = []
        for row in overdue:
            periods = rules.review_waiting_due(
                round_id=row["round_id"],
                submitted_at=row["submitted_at"],
                promise_hours=promise,
                escalated=row["escalated_at"] is not None,
                now=now,
            )
            audiences = {"mentors": mentors.get(row["track_id"], set()), "admins": set(staff)}
            payload = {
                "submission_id": row["pk"],
                "submitted_at": row["submitted_at"].isoformat(),
                "key_action": row["key_action__text"],
                "phase": f"Phase {row['phase__order']} · {row['phase__title']}",
                "track": row["track__title"],
            }
            for audience, period in periods.items():
                for user_id in sorted(audiences[audience] - {row["learner_id"]}):
                    due.append(Due(user_id, period, {**payload, "audience": audience}))
        return due

    def content(self, *, reminder):
        payload = reminder.payload
        promise = settings.EVIDENCE_REVIEW_PROMISE_HOURS
        waited = int(
            (timezone.now() - datetime.fromisoformat(payload["submitted_at"])).total_seconds()
            // 3600
        )
        where = f"“{payload['key_action']}” ({payload['track']}, {payload['phase']})"
        if payload["audience"] == "admins":
            return Content(
                subject=f"Escalated: evidence waiting past the {promise} h promise "
                f"({payload['track']})",
                title=f"Escalated: evidence waiting past the {promise} h promise",
                body=(
                    f"Evidence for {where} has waited {waited} hours for a mentor. It is now "
                    "offered to every mentor of the track; check the track has mentors with "
                    "time this week."
                ),
                url=reverse("admin:mentors_submission_change", args=[payload["submission_id"]]),
                action="Open the submission",
            )
        return Content(
            subject=f"Evidence has waited over {promise} h for review ({payload['track']})",
            title=f"Evidence has waited over {promise} h for review",
            body=(
                f"Evidence for {where} has waited {waited} hours, past our {promise}-hour "
                "review promise. It is in your review queue."
            ),
            url=reverse("mentors:review", kwargs={"pk": payload["submission_id"]}),
            action="Review it",
        )


BUILTIN_KINDS: tuple[type[Kind], ...] = (
    Inactivity,
    CardsDue,
    WeeklyGoal,
    WeeklyDigest,
    EvidenceReviewed,
    EvidenceWaiting,
)


def register_builtin_kinds(registry: Registry) -> None:
    """Registers Edirae's kinds (safe twice: the registry accepts the same kind again)."""
    for kind in BUILTIN_KINDS:
        registry.register(kind())
