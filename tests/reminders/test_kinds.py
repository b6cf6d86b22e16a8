"""Edirae's reminder kinds against real rows: who is due when, and who is never reminded.

Dates: Monday 23 November 2026 starts ISO week 48. Paris is UTC+1 in November, so a learner
without preferences, enrolled with Paris goals, is reminded at 09:00 Paris = 08:00 UTC.
"""

from datetime import timedelta

import pytest
import time_machine
from django.db.models import F

from mentors.models import Review, Submission
from quizzes.models import Response
from reminders import selectors
from reminders.builtin import CARDS_DUE_THRESHOLD
from reminders.kinds import registry
from reminders.models import KindOptOut, ReminderPreference
from tests.factories import (
    AttemptFactory,
    card_reviews,
    due_cards,
    enroll,
    finish,
    learning_track,
    make_mentor,
    reviewed,
    sent_evidence,
    tick,
    utc,
)
from tracks import services as track_services
from tracks.models import Enrollment, KeyAction, PhaseProgress

pytestmark = pytest.mark.django_db

PARIS_9AM = 8  # the UTC hour of 09:00 in Paris in November


def due(key, now) -> dict[int, tuple[str, dict]]:
    """{user id: (period, payload)} of one kind due at `now`."""
    kind = registry.get(key)
    return {
        d.user_id: (d.period, d.payload)
        for d in kind.due(now=now, recipients=selectors.recipients(kind=kind, now=now))
    }


@pytest.fixture
def track():
    return learning_track(title="AI Engineering")


@pytest.fixture
def quiz(track):
    return track.phases.get(order=1).quiz


@pytest.fixture
def deck(track):
    return track.phases.get(order=1).deck


@pytest.fixture
def enrollment(learner, track):
    """10 h a week (a daily cadence), Paris goals, enrolled on Monday 16 November."""
    return enroll(learner, track, at=utc(2026, 11, 16, 10), hours=10)


# --- Time zone ------------------------------------------------------------------------------


def test_without_preferences_reminders_follow_the_time_zone_of_the_goals(learner, enrollment):
    annotated = selectors.audience().get(pk=learner.pk)
    assert annotated.reminder_time_zone == "Europe/Paris"
    # Due from 09:00 in Paris (the default hour) to 10:59; not at 11:00 in Paris.
    assert learner.pk in due("inactivity", utc(2026, 11, 20, PARIS_9AM))
    assert learner.pk not in due("inactivity", utc(2026, 11, 20, PARIS_9AM + 2))


def test_a_time_zone_chosen_for_reminders_wins_over_the_goals(learner, enrollment):
    ReminderPreference.objects.create(user=learner, time_zone="America/New_York", hour=9)
    assert learner.pk not in due("inactivity", utc(2026, 11, 20, PARIS_9AM))
    assert learner.pk in due("inactivity", utc(2026, 11, 20, 14))  # 09:00 in New York


def test_the_preferences_page_shows_the_zone_in_use_from_the_goals(client, learner, enrollment):
    client.force_login(learner)
    html = client.get("/reminders/preferences/").content.decode()
    assert 'value="Europe/Paris"' in html.split('name="time_zone"')[1][:80]


def test_changing_the_goals_time_zone_moves_the_reminders(learner, track, enrollment):
    enroll(learner, track, at=utc(2026, 11, 17, 10), time_zone="Asia/Tokyo")
    assert selectors.audience().get(pk=learner.pk).reminder_time_zone == "Asia/Tokyo"


# --- Inactivity -----------------------------------------------------------------------------


def test_a_daily_learner_is_nudged_the_day_after_their_last_study(learner, enrollment, quiz):
    AttemptFactory(learner=learner, quiz=quiz, started_at=utc(2026, 11, 21, 15))
    assert learner.pk not in due("inactivity", utc(2026, 11, 21, PARIS_9AM))  # studies later
    assert due("inactivity", utc(2026, 11, 22, PARIS_9AM))[learner.pk] == (
        "lapse-2026-11-21-1",
        {"idle_days": 1, "cadence_days": 1},
    )
    # Then after 2 and 4 idle days, and no more: three nudges per break at most.
    assert due("inactivity", utc(2026, 11, 23, PARIS_9AM))[learner.pk][0] == ("lapse-2026-11-21-2")
    assert due("inactivity", utc(2026, 11, 25, PARIS_9AM))[learner.pk][0] == ("lapse-2026-11-21-4")


def test_n_comes_from_the_hours_a_week_of_the_plan(learner, track):
    enroll(learner, track, at=utc(2026, 11, 16, 10), hours=3)  # a session every 3 days
    assert learner.pk not in due("inactivity", utc(2026, 11, 18, PARIS_9AM))
    assert due("inactivity", utc(2026, 11, 19, PARIS_9AM))[learner.pk] == (
        "lapse-2026-11-16-1",
        {"idle_days": 3, "cadence_days": 3},
    )


def _study(kind, learner, enrollment, track, at):
    quiz = track.phases.get(order=1).quiz
    deck = track.phases.get(order=1).deck
    if kind == "attempt started":
        # (One attempt in progress at a time: the earlier one was graded when it started.)
        learner.quiz_attempts.filter(state="in_progress").update(
            state="graded", graded_at=F("started_at")
        )
        AttemptFactory(
            learner=learner, quiz=quiz, started_at=at, state="in_progress", graded_at=None
        )
    elif kind == "answer saved":
        attempt = AttemptFactory(learner=learner, quiz=quiz, started_at=at - timedelta(days=3))
        question = quiz.questions.create(key=f"q{at.timestamp():.0f}", prompt="Why?")
        Response.objects.create(attempt=attempt, question=question, order=1, answered_at=at)
        track_services.record_study(learner_id=learner.pk, at=at)
    elif kind == "attempt graded":
        AttemptFactory(learner=learner, quiz=quiz, started_at=at - timedelta(minutes=30))
    elif kind == "card reviewed":
        card_reviews(learner, deck, count=1, at=at)
    elif kind == "key action ticked":
        tick(enrollment, at=at)
    elif kind == "evidence sent":  # (one live submission per key action: take a new one)
        action = (
            KeyAction.objects.filter(phase__track=track, needs_evidence=True)
            .exclude(submissions__learner=learner)
            .first()
        )
        sent_evidence(learner, action, at=at)


@pytest.mark.parametrize(
    "kind",
    [
        "attempt started",
        "answer saved",
        "attempt graded",
        "card reviewed",
        "key action ticked",
        "evidence sent",
    ],
)
def test_every_kind_of_study_resets_the_clock(kind, learner, enrollment, track):
    now = utc(2026, 11, 26, PARIS_9AM)
    assert due("inactivity", now)[learner.pk][0] == "lapse-2026-11-16-4"  # enrolled, idle
    _study(kind, learner, enrollment, track, at=utc(2026, 11, 25, 18))
    assert due("inactivity", now)[learner.pk][0] == "lapse-2026-11-25-1"
    _study(kind, learner, enrollment, track, at=utc(2026, 11, 26, 7))  # this morning
    assert learner.pk not in due("inactivity", now)


def test_resuming_a_paused_track_starts_the_clock_again(learner, track, enrollment):
    other = learning_track(title="ML Engineering")
    enroll(learner, other, at=utc(2026, 11, 17, 10))  # pauses the first
    assert due("inactivity", utc(2026, 11, 30, PARIS_9AM))[learner.pk][0] == (
        "lapse-2026-11-17-4"  # idle on the other track since switching to it
    )
    with time_machine.travel(utc(2026, 11, 30, 7), tick=False):  # 08:00 in Paris
        track_services.activate(enrollment=enrollment)
    assert learner.pk not in due("inactivity", utc(2026, 11, 30, PARIS_9AM))
    assert due("inactivity", utc(2026, 12, 1, PARIS_9AM))[learner.pk][0] == ("lapse-2026-11-30-1")


# --- Who is never reminded ------------------------------------------------------------------

LEARNER_KINDS = ["inactivity", "cards_due", "weekly_goal", "weekly_digest"]


@pytest.fixture
def due_for_everything(learner, enrollment, deck):
    """On Monday 30 November at 09:00 in Paris the learner is due for every learner kind:
    idle for a week, cards due, a weekly digest day... (the goal is checked on Tuesday)."""
    due_cards(learner, deck, count=CARDS_DUE_THRESHOLD, due=utc(2026, 11, 29))
    return learner


def _due_kinds(user) -> set[str]:
    monday, tuesday = utc(2026, 11, 30, PARIS_9AM), utc(2026, 12, 1, PARIS_9AM)
    kinds = {key for key in LEARNER_KINDS if user.pk in due(key, monday)}
    return kinds | ({"weekly_goal"} if user.pk in due("weekly_goal", tuesday) else set())


def test_an_active_learner_behind_on_everything_is_due_for_every_learner_kind(
    due_for_everything,
):
    assert _due_kinds(due_for_everything) == set(LEARNER_KINDS)


def test_a_learner_who_finished_their_track_gets_no_learner_reminder(
    due_for_everything, enrollment
):
    finish(enrollment, at=utc(2026, 11, 20))
    assert _due_kinds(due_for_everything) == set()


def test_a_learner_whose_enrollment_is_paused_gets_no_learner_reminder(
    due_for_everything, enrollment
):
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.PAUSED)
    assert _due_kinds(due_for_everything) == set()


def test_a_learner_who_never_enrolled_gets_no_learner_reminder(stranger):
    assert _due_kinds(stranger) == set()


def test_a_learner_who_turned_a_kind_off_is_not_due_for_it(due_for_everything):
    KindOptOut.objects.create(user=due_for_everything, kind="cards_due", source="preferences")
    assert _due_kinds(due_for_everything) == set(LEARNER_KINDS) - {"cards_due"}


def test_an_inactive_account_gets_nothing(due_for_everything):
    due_for_everything.is_active = False
    due_for_everything.save()
    assert _due_kinds(due_for_everything) == set()


# --- Cards due ------------------------------------------------------------------------------


def test_cards_due_from_the_threshold_once_a_local_day(learner, enrollment, deck):
    now = utc(2026, 11, 24, PARIS_9AM)
    due_cards(learner, deck, count=CARDS_DUE_THRESHOLD - 1, due=utc(2026, 11, 24, 6))
    assert learner.pk not in due("cards_due", now)
    # One more card, due later today: not due yet, so still below the threshold.
    card = deck.cards.order_by("order")[CARDS_DUE_THRESHOLD - 1]
    learner.card_states.create(card=card, state=2, due=utc(2026, 11, 24, 18))
    assert learner.pk not in due("cards_due", now)
    learner.card_states.filter(card=card).update(due=utc(2026, 11, 24, 7))
    assert due("cards_due", now)[learner.pk] == ("2026-11-24", {"count": CARDS_DUE_THRESHOLD})


def test_cards_of_a_retired_deck_do_not_count(learner, enrollment, deck):
    due_cards(learner, deck, count=CARDS_DUE_THRESHOLD, due=utc(2026, 11, 24, 6))
    deck.is_active = False
    deck.save()
    assert learner.pk not in due("cards_due", utc(2026, 11, 24, PARIS_9AM))


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


# --- Evidence reviewed ----------------------------------------------------------------------


@pytest.fixture
def mentor(track):
    return make_mentor("mentor@test.example", track)


@pytest.fixture
def action(track):
    return track.phases.get(order=1).key_actions.get(order=1)


def test_a_review_is_announced_to_its_learner_at_any_hour_for_a_week(
    learner, enrollment, mentor, action
):
    submission = sent_evidence(learner, action, at=utc(2026, 11, 20, 10))
    review = reviewed(submission, mentor, at=utc(2026, 11, 21, 2), verdict="request_changes")
    three_am = utc(2026, 11, 21, 2, 5)
    assert due("evidence_reviewed", three_am) == {
        learner.pk: (
            f"review-{review.pk}",
            {
                "verdict": "request_changes",
                "submission_id": submission.pk,
                "key_action": action.text,
            },
        )
    }
    assert due("evidence_reviewed", utc(2026, 11, 28, 3)) == {}  # more than a week later


def test_the_approval_that_finishes_a_track_is_still_announced(learner, enrollment, mentor, action):
    submission = sent_evidence(learner, action, at=utc(2026, 11, 20, 10))
    reviewed(submission, mentor, at=utc(2026, 11, 21, 10), verdict=Review.Verdict.APPROVE)
    finish(enrollment, at=utc(2026, 11, 21, 10))
    assert learner.pk in due("evidence_reviewed", utc(2026, 11, 21, 10, 5))


def test_a_learner_who_turned_reviews_off_is_not_told(learner, enrollment, mentor, action):
    submission = sent_evidence(learner, action, at=utc(2026, 11, 20))
    reviewed(submission, mentor, at=utc(2026, 11, 21), verdict="approve")
    assert learner.pk in due("evidence_reviewed", utc(2026, 11, 21, 1))
    KindOptOut.objects.create(user=learner, kind="evidence_reviewed", source="unsubscribe")
    assert due("evidence_reviewed", utc(2026, 11, 21, 1)) == {}


# --- Evidence waiting -----------------------------------------------------------------------


@pytest.fixture
def waiting(learner, action):
    """Evidence sent on Friday 20 November at 10:00 UTC: the 48 h promise ends Sunday 10:00."""
    return sent_evidence(learner, action, at=utc(2026, 11, 20, 10))


def test_evidence_past_the_promise_goes_to_the_mentors_of_its_track(
    waiting, mentor, learner, track
):
    other_mentor = make_mentor("other-mentor@test.example", track)
    elsewhere = make_mentor("elsewhere@test.example", learning_track())
    retired = make_mentor("retired@test.example", track)
    retired.mentor_profile.is_active = False
    retired.mentor_profile.save()
    assert due("evidence_waiting", utc(2026, 11, 22, 9, 59)) == {}
    after = due("evidence_waiting", utc(2026, 11, 22, 10, 1))
    # Not the mentor of another track, nor a mentor who stopped, nor the learner.
    assert set(after) == {mentor.pk, other_mentor.pk}
    round_id = waiting.rounds.get().pk
    assert after[mentor.pk][0] == f"round-{round_id}"
    assert after[mentor.pk][1]["audience"] == "mentors"
    assert elsewhere.pk not in after and retired.pk not in after and learner.pk not in after


def test_after_escalation_staff_are_told_too(learner, action, mentor, staff):
    escalated = sent_evidence(learner, action, at=utc(2026, 11, 20, 10), escalated=True)
    round_id = escalated.rounds.get().pk
    after = due("evidence_waiting", utc(2026, 11, 22, 10, 20))
    assert after[mentor.pk][0] == f"round-{round_id}"
    assert after[staff.pk] == (
        f"round-{round_id}-escalated",
        {
            "submission_id": escalated.pk,
            "submitted_at": "2026-11-20T10:00:00+00:00",
            "key_action": action.text,
            "phase": "Phase 1 · Phase 1",
            "track": "AI Engineering",
            "audience": "admins",
        },
    )


def test_evidence_a_mentor_is_reviewing_now_is_not_reminded(waiting, mentor):
    Submission.objects.filter(pk=waiting.pk).update(
        state="in_review", claimed_by=mentor, claim_expires_at=utc(2026, 11, 22, 10, 30)
    )
    assert due("evidence_waiting", utc(2026, 11, 22, 10, 10)) == {}
    assert mentor.pk in due("evidence_waiting", utc(2026, 11, 22, 10, 40))  # claim lapsed


def test_a_mentor_is_never_reminded_of_their_own_evidence(action, track, mentor):
    mentor_and_learner = make_mentor("both@test.example", track)
    sent_evidence(mentor_and_learner, action, at=utc(2026, 11, 20, 10))
    assert set(due("evidence_waiting", utc(2026, 11, 22, 11))) == {mentor.pk}


def test_reviewed_evidence_is_no_longer_waiting(waiting, mentor):
    reviewed(waiting, mentor, at=utc(2026, 11, 22, 9), verdict="approve")
    assert due("evidence_waiting", utc(2026, 11, 22, 11)) == {}


def test_evidence_on_a_track_no_mentor_covers_goes_to_the_fallback_reviewers(
    waiting, learner, staff
):
    from mentors.services import make_fallback_reviewer

    fallback = make_fallback_reviewer(user=staff).user
    after = due("evidence_waiting", utc(2026, 11, 22, 10, 1))
    # Nobody covers the track: the staff reviewer of last resort is told as its mentor.
    assert set(after) == {fallback.pk}
    assert after[fallback.pk][1]["audience"] == "mentors"
