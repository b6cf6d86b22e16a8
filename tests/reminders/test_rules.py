"""Due rules of the real kinds, as pure functions, including daylight-saving changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reminders import periods, rules

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# --- Periods --------------------------------------------------------------------------------


def test_a_daily_period_is_the_local_date_not_the_utc_date():
    late_evening_in_new_york = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # 21:30 on the 23rd
    assert periods.local_day(late_evening_in_new_york, "America/New_York") == "2026-11-23"
    assert periods.local_day(late_evening_in_new_york, "Europe/Paris") == "2026-11-24"


def test_a_weekly_period_is_the_local_iso_week():
    sunday_night_in_paris = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)  # Monday 30th in Tokyo
    assert periods.local_week(sunday_night_in_paris, "Europe/Paris") == "2026-W48"
    assert periods.local_week(sunday_night_in_paris, "Asia/Tokyo") == "2026-W49"


def test_an_unknown_or_blank_zone_counts_as_utc():
    now = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert periods.local_day(now, "") == periods.local_day(now, "Mars/Olympus") == "2026-11-24"


def test_the_hour_window_covers_the_preferred_hour_and_the_next_but_not_midnight():
    assert periods.hours_in_window(9) == [8, 9]
    assert periods.hours_in_window(0) == [0]  # 23:00 yesterday's users are not due today


def test_zones_are_grouped_by_their_local_hour_across_the_paris_dst_change():
    before = periods.zones_by_local_hour(datetime(2026, 10, 24, 6, 30, tzinfo=UTC))
    after = periods.zones_by_local_hour(datetime(2026, 10, 25, 6, 30, tzinfo=UTC))
    assert "Europe/Paris" in before[8]  # CEST, UTC+2
    assert "Europe/Paris" in after[7]  # CET, UTC+1: the same UTC time is an hour earlier
    assert "Asia/Kolkata" in after[12]  # UTC+5:30: 12:00
    assert sum(len(zones) for zones in after.values()) == len(periods.known_time_zones())


# --- Inactivity nudge -----------------------------------------------------------------------


def test_inactivity_is_due_after_the_cadence_in_local_days():
    last = paris(2026, 11, 20, 21, 0)
    assert (
        rules.inactivity_due(
            last_study_at=last, cadence_days=3, now_local=paris(2026, 11, 22, 23, 0)
        )
        is None
    )
    assert (
        rules.inactivity_due(last_study_at=last, cadence_days=3, now_local=paris(2026, 11, 23, 8))
        == "lapse-2026-11-20-1"
    )


def test_inactivity_backs_off_then_stays_silent():
    last = paris(2026, 11, 1, 10)

    def key(day):
        return rules.inactivity_due(
            last_study_at=last, cadence_days=2, now_local=paris(2026, 11, day, 9)
        )

    keys = [key(day) for day in range(2, 16)]
    # After 2, 4 and 8 days: three distinct keys, so three reminders for the whole lapse.
    assert sorted(set(keys) - {None}) == [
        "lapse-2026-11-01-1",
        "lapse-2026-11-01-2",
        "lapse-2026-11-01-4",
    ]
    assert keys[0] is None  # one day idle


def test_inactivity_counts_calendar_days_across_the_paris_autumn_dst_change():
    # 25 October 2026 has 25 hours in Paris; the nudge still comes on the local day.
    last = paris(2026, 10, 24, 9, 0)
    just_before = paris(2026, 10, 25, 23, 59)
    next_morning = datetime(2026, 10, 26, 7, 0, tzinfo=UTC).astimezone(PARIS)  # 08:00 CET
    assert rules.inactivity_due(last_study_at=last, cadence_days=2, now_local=just_before) is None
    assert (
        rules.inactivity_due(last_study_at=last, cadence_days=2, now_local=next_morning)
        == "lapse-2026-10-24-1"
    )


def test_inactivity_reads_the_last_study_time_in_the_learners_zone():
    # 03:30 UTC on the 2nd is still the evening of the 1st in New York.
    last = datetime(2026, 11, 2, 3, 30, tzinfo=UTC)
    now_local = datetime(2026, 11, 2, 9, 0, tzinfo=NEW_YORK)
    assert rules.inactivity_due(last_study_at=last, cadence_days=1, now_local=now_local) == (
        "lapse-2026-11-01-1"
    )


def test_inactivity_refuses_a_cadence_below_one_day():
    with pytest.raises(ValueError):
        rules.inactivity_due(
            last_study_at=paris(2026, 1, 1), cadence_days=0, now_local=paris(2026, 1, 9)
        )


# --- Weekly goal ----------------------------------------------------------------------------


def test_the_weekly_goal_is_reachable_only_while_the_hours_fit_in_the_days_left():
    wednesday_morning = paris(2026, 11, 25, 8)  # 16 h left today + 4 more days
    assert rules.weekly_goal_reachable(
        hours_per_week=10, hours_done_this_week=2, now_local=wednesday_morning
    )
    sunday_evening = paris(2026, 11, 29, 20)  # 4 h left, at most 3 h of study
    assert not rules.weekly_goal_reachable(
        hours_per_week=10, hours_done_this_week=2, now_local=sunday_evening
    )
    assert rules.weekly_goal_reachable(
        hours_per_week=10, hours_done_this_week=7.5, now_local=sunday_evening
    )


def test_a_met_or_empty_weekly_goal_is_never_due():
    now = paris(2026, 11, 27, 9)
    assert rules.weekly_goal_due(hours_per_week=5, hours_done_this_week=5, now_local=now) is None
    assert rules.weekly_goal_due(hours_per_week=0, hours_done_this_week=0, now_local=now) is None


def test_the_weekly_goal_is_due_once_a_week_when_behind_and_still_reachable():
    monday = paris(2026, 11, 23, 9)
    thursday = paris(2026, 11, 26, 9)
    assert rules.weekly_goal_due(hours_per_week=7, hours_done_this_week=0, now_local=monday) is None
    assert (
        rules.weekly_goal_due(hours_per_week=7, hours_done_this_week=1, now_local=thursday)
        == "2026-W48"
    )
    # On pace (3 of 7 hours by Thursday): no reminder.
    assert (
        rules.weekly_goal_due(hours_per_week=7, hours_done_this_week=3, now_local=thursday) is None
    )


def test_the_weekly_goal_is_not_due_once_out_of_reach_on_the_new_york_dst_sunday():
    # 1 November 2026 is a Sunday of 25 hours in New York; at 21:00 three hours remain.
    sunday_evening = datetime(2026, 11, 1, 21, 0, tzinfo=NEW_YORK)
    assert not rules.weekly_goal_reachable(
        hours_per_week=8, hours_done_this_week=4, now_local=sunday_evening
    )
    assert rules.weekly_goal_reachable(
        hours_per_week=8, hours_done_this_week=5.5, now_local=sunday_evening
    )


# --- Cards due, reviews, digest -------------------------------------------------------------


def test_cards_due_are_worth_a_mail_only_from_the_threshold():
    assert not rules.cards_due_worth_sending(count=9, threshold=10)
    assert rules.cards_due_worth_sending(count=10, threshold=10)
    assert not rules.cards_due_worth_sending(count=50, threshold=0)


def test_a_review_is_overdue_after_the_promise_in_real_hours_across_a_dst_change():
    submitted = datetime(2026, 10, 24, 10, 0, tzinfo=PARIS)  # CEST
    promise = 48
    # 48 real hours later is 09:00 local on the 26th (the night of the 25th had 25 hours).
    on_time = datetime(2026, 10, 26, 9, 0, tzinfo=PARIS)
    assert on_time.astimezone(UTC) - submitted.astimezone(UTC) == timedelta(hours=48)
    # (Subtracting them directly says 47 h: Python compares same-zone datetimes by the clock.)
    assert on_time - submitted == timedelta(hours=47)
    assert not rules.review_overdue(submitted_at=submitted, promise_hours=promise, now=on_time)
    assert rules.review_overdue(
        submitted_at=submitted, promise_hours=promise, now=on_time + timedelta(minutes=1)
    )


def test_waiting_evidence_goes_to_mentors_then_to_admins_once_escalated():
    submitted = datetime(2026, 11, 2, 12, tzinfo=UTC)

    def due(hours, escalated=False):
        return rules.review_waiting_due(
            round_id=17,
            submitted_at=submitted,
            promise_hours=48,
            escalated=escalated,
            now=submitted + timedelta(hours=hours),
        )

    assert due(47) == {}
    assert due(49) == {"mentors": "round-17"}
    assert due(49, escalated=True) == {"mentors": "round-17", "admins": "round-17-escalated"}


def test_the_cadence_comes_from_the_hours_a_week():
    assert [rules.cadence_days(hours_per_week=h) for h in (1, 2, 3, 5, 6, 10, 40)] == [
        7,
        5,
        3,
        2,
        1,
        1,
        1,
    ]
    with pytest.raises(ValueError):
        rules.cadence_days(hours_per_week=0)


def test_study_minutes_credit_ticks_and_evidence_a_fixed_half_hour():
    assert (
        rules.study_minutes(
            attempt_minutes=45, card_review_minutes=10, key_actions_ticked=1, rounds_sent=2
        )
        == 45 + 10 + 3 * rules.WORK_ITEM_MINUTES
    )


def test_the_weekly_digest_is_due_on_its_local_weekday():
    # Sunday 23:30 UTC is already Monday in Tokyo, still Sunday in New York.
    now = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert rules.weekly_digest_due(now_local=now.astimezone(ZoneInfo("Asia/Tokyo"))) == "2026-W49"
    assert rules.weekly_digest_due(now_local=now.astimezone(NEW_YORK)) is None


def test_a_review_is_announced_once_and_not_after_a_week():
    now = datetime(2026, 11, 20, tzinfo=UTC)
    assert rules.evidence_reviewed_due(
        review_id=3, decided_at=now - timedelta(days=1), now=now
    ) == ("review-3")
    assert (
        rules.evidence_reviewed_due(review_id=3, decided_at=now - timedelta(days=8), now=now)
        is None
    )
