"""Momentum on the dashboard: study days this week against the goal, and a streak of weeks."""

from datetime import UTC, datetime, timedelta

import pytest

from quizzes.models import ReviewLog
from tests.factories import criterion, enroll, master_first_phase
from tracks import momentum, services
from tracks.models import Enrollment, KeyActionProgress

# A Thursday, 10:00 in Paris.
THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def enrollment(learner, small_track):
    long_ago = THURSDAY - timedelta(weeks=6)
    return enroll(learner, small_track, hours=5, at=long_ago)


def review_on(learner, card, when):
    ReviewLog.objects.create(
        learner=learner,
        card=card,
        rating=ReviewLog.Rating.GOOD,
        reviewed_at=when,
        due_after=when + timedelta(days=1),
    )


def test_the_goal_comes_from_the_hours_in_sessions_of_an_hour_and_a_half():
    assert momentum.goal_days(hours_per_week=10) == 7
    assert momentum.goal_days(hours_per_week=5) == 4
    assert momentum.goal_days(hours_per_week=3) == 2
    assert momentum.goal_days(hours_per_week=1) == 1


def test_study_days_count_each_local_day_once(learner, enrollment, small_track):
    card = small_track.phases.get(order=1).deck.cards.first()
    monday = THURSDAY - timedelta(days=3)
    review_on(learner, card, monday)
    review_on(learner, card, monday + timedelta(hours=1))  # the same day: counted once
    # 23:30 UTC on Tuesday is already Wednesday in Paris.
    review_on(learner, card, datetime(2026, 11, 24, 23, 30, tzinfo=UTC))
    m = momentum.momentum(enrollment=enrollment, now=THURSDAY)
    assert m.goal_days == 4
    assert m.week_days == (True, False, True, False, False, False, False)
    assert m.days_this_week == 2 and not m.goal_met and m.days_left == 2


def test_a_streak_counts_the_weeks_met_in_a_row(learner, enrollment, small_track):
    card = small_track.phases.get(order=1).deck.cards.first()
    this_monday = THURSDAY - timedelta(days=3)
    for weeks_ago in (1, 2, 4):  # week 3 was missed
        for day in range(4):
            review_on(learner, card, this_monday - timedelta(weeks=weeks_ago) + timedelta(days=day))
    m = momentum.momentum(enrollment=enrollment, now=THURSDAY)
    assert m.streak_weeks == 2  # not met yet this week, so it does not count


def test_ticks_and_attempts_count_as_study_too(learner, enrollment):
    KeyActionProgress.objects.filter(enrollment=enrollment).update(ticked_at=THURSDAY)
    assert momentum.momentum(enrollment=enrollment, now=THURSDAY).days_this_week == 1


def test_study_before_enrolling_does_not_count(learner, small_track):
    enrollment = enroll(learner, small_track, hours=5)
    Enrollment.objects.filter(pk=enrollment.pk).update(created_at=THURSDAY - timedelta(hours=1))
    enrollment.refresh_from_db()
    card = small_track.phases.get(order=1).deck.cards.first()
    review_on(learner, card, THURSDAY - timedelta(days=2))
    assert momentum.momentum(enrollment=enrollment, now=THURSDAY).days_this_week == 0


def test_the_dashboard_shows_the_week(client, learner, enrollment):
    client.force_login(learner)
    page = client.get("/").content.decode()
    assert "This week" in page and "study days" in page and "No streak yet" in page


def test_a_phase_mastered_gets_its_moment_once(client, learner, enrollment, small_track):
    master_first_phase(
        enrollment,
        small_track,
        criterion("quiz_score", "85 %", "80 %", "Best 85 %, needs 80 %: met."),
        criterion("evidence_approved", "1 approved", "1 approved"),
    )
    client.force_login(learner)
    page = client.get("/").content.decode()
    assert "You mastered Phase 1 · Build Foundational Skills" in page
    assert "<strong>Quiz score</strong>: 85 %" in page
    assert "<strong>Mentor-approved evidence</strong>" in page and "evidence_approved" not in page
    assert "Now open: <strong>Phase 2" in page
    assert "You mastered Phase 1" not in client.get("/").content.decode()  # once


def test_a_tick_shows_in_the_week_at_once_and_an_untick_takes_it_back(learner, enrollment):
    # The study days are cached against the evidence version: the tick must move it.
    assert momentum.momentum(enrollment=enrollment, now=THURSDAY).days_this_week == 0
    progress = (
        KeyActionProgress.objects.filter(enrollment=enrollment, key_action__phase__order=1)
        .select_related("enrollment", "key_action")
        .first()
    )
    services.set_key_action_done(progress=progress, done=True, now=THURSDAY)
    enrollment.refresh_from_db()
    assert momentum.momentum(enrollment=enrollment, now=THURSDAY).days_this_week == 1
    services.set_key_action_done(progress=progress, done=False, now=THURSDAY)
    enrollment.refresh_from_db()
    assert momentum.momentum(enrollment=enrollment, now=THURSDAY).days_this_week == 0
