"""Due rules of Edirae's reminder kinds, as pure functions of plain values.

The data these rules read (study sessions, plans, FSRS cards, evidence submissions) belongs to
`tracks`, `quizzes` and `mentors`; the kinds of `reminders.builtin` fetch the values below in
set-based queries and call these functions per row. Each rule returns the *period key* of
the reminder (what "once" means for it) or None when nothing is due, so the claim's unique
key follows from the rule.
"""

from datetime import UTC, datetime, time, timedelta

# Inactivity nudges back off: after N, 2N and 4N days without study, then silence until the
# learner studies again (one tracker sent 62 mails in 7 days; we send at most three per lapse).
INACTIVITY_STEPS = (1, 2, 4)
# A weekly goal is reachable only if the hours left fit in the days left at this many hours a
# day: asking for ten hours on a Sunday evening is discouraging, not helpful.
MAX_STUDY_HOURS_PER_DAY = 3.0

# The plan states hours per week, not a cadence. We assume study comes in sessions of about
# this length, so a learner's cadence is the days between sessions: 10 h a week is daily,
# 5 h every 2 days, 3 h every 3 days, 1 h once a week (see `cadence_days`).
STUDY_SESSION_HOURS = 1.5

# How study minutes are estimated from what Edirae records (see `study_minutes`). Honest
# about what we do not know: only quiz attempts carry a real duration, and learners leave
# attempts open in a tab, so an attempt counts for at most ATTEMPT_MINUTES_CAP. Flashcard
# reviews count their recorded duration if any (capped), else a fixed CARD_REVIEW_MINUTES
# (the usual pace of spaced-repetition reviews is 10-30 s a card, with reading the answer).
# Ticking a key action and sending evidence stand for work done outside Edirae whose length
# we cannot see: each counts a conservative fixed WORK_ITEM_MINUTES, so the weekly goal errs
# toward reminding rather than toward claiming hours nobody measured.
ATTEMPT_MINUTES_CAP = 60
CARD_REVIEW_MINUTES = 0.5
CARD_REVIEW_MINUTES_CAP = 2
WORK_ITEM_MINUTES = 30


def cadence_days(*, hours_per_week: int) -> int:
    """Days between study sessions for a learner who plans `hours_per_week` (1-7): the N
    of the inactivity nudge."""
    if hours_per_week < 1:
        raise ValueError("hours_per_week must be at least 1")
    return max(1, min(7, int(7 * STUDY_SESSION_HOURS / hours_per_week)))


def study_minutes(
    *, attempt_minutes: float, card_review_minutes: float, key_actions_ticked: int, rounds_sent: int
) -> float:
    """Estimated study minutes from a period's records: attempt time (each attempt already
    capped at ATTEMPT_MINUTES_CAP), card review time (each review already estimated as
    above), and WORK_ITEM_MINUTES per key action ticked and per round of evidence sent."""
    return (
        attempt_minutes
        + card_review_minutes
        + WORK_ITEM_MINUTES * (key_actions_ticked + rounds_sent)
    )


def inactivity_due(
    *, last_study_at: datetime, cadence_days: int, now_local: datetime
) -> str | None:
    """Period key of the inactivity nudge due now, or None.

    `last_study_at`: when the learner last studied (or enrolled, if never), any zone.
    `cadence_days`: how often they meant to study (from their plan), at least 1.
    `now_local`: now, in the learner's time zone. Days are counted in local calendar days,
    so a daylight-saving change (a 23- or 25-hour day) does not move the nudge.
    The key names the lapse and the step (`lapse-2026-10-24-2`): once per step per lapse."""
    if cadence_days < 1:
        raise ValueError("cadence_days must be at least 1")
    last_day = last_study_at.astimezone(now_local.tzinfo).date()
    idle_days = (now_local.date() - last_day).days
    reached = [step for step in INACTIVITY_STEPS if idle_days >= step * cadence_days]
    if not reached:
        return None
    return f"lapse-{last_day.isoformat()}-{reached[-1]}"


def weekly_goal_reachable(
    *,
    hours_per_week: float,
    hours_done_this_week: float,
    now_local: datetime,
    max_hours_per_day: float = MAX_STUDY_HOURS_PER_DAY,
) -> bool:
    """Is the weekly goal not met yet but still reachable before the local week ends
    (Sunday midnight)? Counts the hours left in today and the days after it."""
    remaining = hours_per_week - hours_done_this_week
    if hours_per_week <= 0 or remaining <= 0:
        return False
    next_midnight = datetime.combine(
        now_local.date() + timedelta(days=1), time(0), tzinfo=now_local.tzinfo
    )
    hours_left_today = _elapsed(now_local, next_midnight) / timedelta(hours=1)
    days_after_today = 6 - now_local.weekday()
    capacity = min(max_hours_per_day, hours_left_today) + days_after_today * max_hours_per_day
    return remaining <= capacity


def weekly_goal_due(
    *,
    hours_per_week: float,
    hours_done_this_week: float,
    now_local: datetime,
    max_hours_per_day: float = MAX_STUDY_HOURS_PER_DAY,
) -> str | None:
    """Period key (the local ISO week, `2026-W48`) of the weekly goal reminder, or None.

    Due once a week, only while the goal is reachable and the learner is behind pace (done
    less than the share of the week already gone): never on Monday, never once it is met,
    never when it can no longer be met."""
    if not weekly_goal_reachable(
        hours_per_week=hours_per_week,
        hours_done_this_week=hours_done_this_week,
        now_local=now_local,
        max_hours_per_day=max_hours_per_day,
    ):
        return None
    expected_by_now = hours_per_week * now_local.weekday() / 7
    if hours_done_this_week >= expected_by_now:
        return None
    year, week, _ = now_local.isocalendar()
    return f"{year}-W{week:02d}"


def cards_due_worth_sending(*, count: int, threshold: int) -> bool:
    """Enough flashcards are due to be worth a mail (sent at most once a local day: the
    kind's period is `periods.local_day`)."""
    return threshold >= 1 and count >= threshold


def review_overdue(*, submitted_at: datetime, promise_hours: int, now: datetime) -> bool:
    """Has evidence waited longer than the review promise? Elapsed real time (aware
    datetimes), so a daylight-saving change neither shortens nor lengthens the promise."""
    return _elapsed(submitted_at, now) > timedelta(hours=promise_hours)


def review_waiting_due(
    *,
    round_id: int,
    submitted_at: datetime,
    promise_hours: int,
    escalated: bool,
    now: datetime,
) -> dict[str, str]:
    """Who to remind about a round of evidence still waiting, with each audience's period
    key: {} while the promise holds; {"mentors": "round-17"} once it is broken; plus
    {"admins": "round-17-escalated"} once `mentors` escalated the round (it does so when the
    promise is broken, on its own beat). Keys name the round: a resubmission is a new round
    with a new promise, so it can be reminded about again; the same round never is."""
    if not review_overdue(submitted_at=submitted_at, promise_hours=promise_hours, now=now):
        return {}
    due = {"mentors": f"round-{round_id}"}
    if escalated:
        due["admins"] = f"round-{round_id}-escalated"
    return due


def weekly_digest_due(*, now_local: datetime, weekday: int = 0) -> str | None:
    """Period key (local ISO week) of the weekly progress digest, due on `weekday` (0 is
    Monday) in the learner's zone, or None on other days."""
    if now_local.weekday() != weekday:
        return None
    year, week, _ = now_local.isocalendar()
    return f"{year}-W{week:02d}"


def evidence_reviewed_due(*, review_id: int, decided_at: datetime, now: datetime) -> str | None:
    """Period key of "your evidence was reviewed" (once per review), or None for reviews
    older than a week: the sweep only looks back that far, so an old review is not announced
    as news."""
    if _elapsed(decided_at, now) > timedelta(days=7):
        return None
    return f"review-{review_id}"


def _elapsed(start: datetime, end: datetime) -> timedelta:
    """Real time between two aware datetimes. Python subtracts two datetimes that share a
    tzinfo as wall-clock times (an hour off across a DST change), so compare in UTC."""
    return end.astimezone(UTC) - start.astimezone(UTC)
