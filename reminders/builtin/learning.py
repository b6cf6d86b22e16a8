"""The learner kinds: a nudge after a break, flashcards due, the weekly goal, the weekly
digest (see the package's docstring for who a learner is and what counts as study)."""

from functools import cache

from django.conf import settings
from django.db.models import F, OuterRef, Q
from django.urls import reverse

from mentors.models import Review
from quizzes.models import Attempt, Card, CardState, ReviewLog
from reminders import rules
from reminders.builtin.queries import (
    PAIR,
    WEEK,
    count_pair,
    count_rows,
    if_studied_since,
    last_study_at,
    learners,
    next_step,
    plural,
    study_totals,
    week_start_by_zone,
    zones_where,
)
from reminders.kinds import Content, Due, Kind
from reminders.periods import local_day, local_now
from tracks.models import KeyActionProgress, PhaseProgress, Track

# Flashcards due before the reminder is worth a mail (at most one a local day).
CARDS_DUE_THRESHOLD = 10
# The weekly digest goes out on this local weekday (0 is Monday) and covers the 7 days before.
DIGEST_WEEKDAY = 0


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
            f"{plural(idle, 'day')}. A short session today keeps what you learned fresh."
        )
        if step is not None:
            body += f"\n\n{step[0]}"
        return Content(
            subject=f"{plural(idle, 'day')} since you last studied",
            title=f"{plural(idle, 'day')} since you last studied",
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
            .annotate(cards_due=count_rows(due_cards, "learner"))
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
                phases_moved=count_pair(
                    progress.filter(Q(mastered_at__gte=since) | Q(unlocked_at__gte=since)),
                    "enrollment",
                    Q(mastered_at__gte=since),
                    Q(unlocked_at__gte=since),
                ),
                # (Ticks, grades and reviews are study: none since `since` if the learner's
                # last study is older.)
                key_actions_ticked=if_studied_since(
                    since,
                    count_rows(
                        KeyActionProgress.objects.filter(
                            enrollment=enrollment, ticked_at__gte=since
                        ),
                        "enrollment",
                    ),
                ),
                attempts=if_studied_since(
                    since, count_pair(graded, "learner", Q(passed=True), Q(graded_at__isnull=False))
                ),
                cards_reviewed=if_studied_since(
                    since,
                    count_rows(
                        ReviewLog.objects.filter(learner=learner, reviewed_at__gte=since),
                        "learner",
                    ),
                ),
                evidence_reviewed=count_rows(
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
            lines.append(f"{plural(figures['phases_mastered'], 'phase')} mastered")
        if figures["phases_unlocked"]:
            lines.append(f"{plural(figures['phases_unlocked'], 'phase')} unlocked")
        if figures["key_actions_ticked"]:
            lines.append(f"{plural(figures['key_actions_ticked'], 'key action')} ticked")
        if figures["attempts_graded"]:
            lines.append(
                f"{plural(figures['attempts_graded'], 'quiz attempt')} graded "
                f"({figures['attempts_passed']} passed)"
            )
        if figures["cards_reviewed"]:
            lines.append(f"{plural(figures['cards_reviewed'], 'flashcard review')}")
        if figures["evidence_reviewed"]:
            lines.append(
                f"{plural(figures['evidence_reviewed'], 'piece', 'pieces')} of evidence "
                "reviewed by a mentor"
            )
        return lines
