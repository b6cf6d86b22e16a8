"""The weekly reminder kinds against real rows: the weekly goal (behind pace while reachable)
and the Monday digest. Dates as in tests/reminders/due.py."""

from datetime import timedelta

import pytest

from reminders.models import ReminderPreference
from tests.factories import (
    AttemptFactory,
    card_reviews,
    enroll,
    reviewed,
    sent_evidence,
    tick,
    utc,
)
from tests.reminders.due import PARIS_9AM, due
from tracks.models import PhaseProgress

pytestmark = pytest.mark.django_db


# --- Weekly goal ----------------------------------------------------------------------------

WEDNESDAY = utc(2026, 11, 25, PARIS_9AM)  # two days of the week gone: 10 h → 2.9 h expected


def test_the_weekly_goal_reminds_a_learner_behind_pace_while_reachable(learner, enrollment, quiz):
    for day in (23, 24):  # Monday and Tuesday: 40 minutes each
        AttemptFactory(learner=learner, quiz=quiz, started_at=utc(2026, 11, day, 18), minutes=40)
    assert due("weekly_goal", WEDNESDAY)[learner.pk] == (
        "2026-W48",
        {"hours_per_week": 10, "hours_done": 1.3},
    )


def test_a_learner_on_pace_is_not_reminded_of_the_weekly_goal(learner, enrollment, deck, quiz):
    AttemptFactory(learner=learner, quiz=quiz, started_at=utc(2026, 11, 23, 18), minutes=60)
    tick(enrollment, at=utc(2026, 11, 24, 18), count=2)  # 2 x 30 min
    card_reviews(learner, deck, count=120, at=utc(2026, 11, 24, 19))  # 120 x 30 s
    assert learner.pk not in due("weekly_goal", WEDNESDAY)  # 3 h done


def test_an_attempt_left_open_counts_for_an_hour_at_most(learner, enrollment, quiz):
    AttemptFactory(learner=learner, quiz=quiz, started_at=utc(2026, 11, 23, 10), minutes=600)
    assert due("weekly_goal", WEDNESDAY)[learner.pk][1]["hours_done"] == 1.0


def test_the_week_starts_at_local_midnight_on_monday(learner, enrollment, quiz):
    # Graded on Sunday at 23:50 in Paris: last week; on Monday at 01:00 in Paris (00:00
    # UTC): this week.
    AttemptFactory(learner=learner, quiz=quiz, started_at=utc(2026, 11, 22, 22), minutes=50)
    AttemptFactory(learner=learner, quiz=quiz, started_at=utc(2026, 11, 22, 23, 30), minutes=30)
    assert due("weekly_goal", WEDNESDAY)[learner.pk][1]["hours_done"] == 0.5


def test_the_weekly_goal_is_silent_once_out_of_reach(learner, track):
    enroll(learner, track, at=utc(2026, 11, 16, 10), hours=12)
    ReminderPreference.objects.create(user=learner, hour=18)  # the goals' zone: Paris
    # Thursday 18:00 in Paris: 12 h still fit at 3 h a day (today and three more days).
    assert learner.pk in due("weekly_goal", utc(2026, 11, 26, 17))
    # Saturday 18:00: 12 h left, 3 h today and 3 h on Sunday at most: silent.
    assert learner.pk not in due("weekly_goal", utc(2026, 11, 28, 17))


def test_the_weekly_goal_is_never_due_on_monday(learner, enrollment):
    assert learner.pk not in due("weekly_goal", utc(2026, 11, 23, PARIS_9AM))


# --- Weekly digest --------------------------------------------------------------------------

MONDAY = utc(2026, 11, 30, PARIS_9AM)


def test_the_weekly_digest_counts_what_moved_in_the_last_seven_days(
    learner, enrollment, track, quiz, deck, mentor
):
    last_week, long_ago = utc(2026, 11, 26, 12), utc(2026, 11, 20, 12)
    first, second = PhaseProgress.objects.filter(enrollment=enrollment).order_by("phase__order")
    PhaseProgress.objects.filter(pk=first.pk).update(state="mastered", mastered_at=last_week)
    PhaseProgress.objects.filter(pk=second.pk).update(state="unlocked", unlocked_at=last_week)
    tick(enrollment, at=last_week, count=2)
    tick(enrollment, at=long_ago, count=1)
    AttemptFactory(learner=learner, quiz=quiz, started_at=last_week, passed=False, score=50)
    AttemptFactory(learner=learner, quiz=quiz, started_at=last_week + timedelta(hours=2))
    AttemptFactory(learner=learner, quiz=quiz, started_at=long_ago)
    card_reviews(learner, deck, count=5, at=last_week)
    card_reviews(learner, deck, count=7, at=long_ago)
    action = track.phases.get(order=1).key_actions.get(order=1)
    reviewed(sent_evidence(learner, action, at=long_ago), mentor, at=last_week, verdict="approve")

    period, figures = due("weekly_digest", MONDAY)[learner.pk]
    assert period == "2026-W49"
    assert figures == {
        "track_title": "AI Engineering",
        "phases_mastered": 1,
        "phases_unlocked": 1,
        "key_actions_ticked": 2,
        "attempts_graded": 2,
        "attempts_passed": 1,
        "cards_reviewed": 5,
        "evidence_reviewed": 1,
    }


def test_the_weekly_digest_goes_out_on_monday_only(learner, enrollment):
    assert learner.pk in due("weekly_digest", MONDAY)
    assert learner.pk not in due("weekly_digest", MONDAY + timedelta(days=1))
