"""Edirae's learner reminder kinds against real rows: the time zone they follow, inactivity,
cards due, and who is never reminded (weekly kinds: test_kinds_weekly.py; evidence kinds:
test_kinds_evidence.py; the track, quiz, deck and enrollment fixtures: conftest.py).

Dates: Monday 23 November 2026 starts ISO week 48. Paris is UTC+1 in November, so a learner
without preferences, enrolled with Paris goals, is reminded at 09:00 Paris = 08:00 UTC.
"""

from datetime import timedelta

import pytest
import time_machine
from django.db.models import F

from quizzes.models import Response
from reminders import selectors
from reminders.builtin.learning import CARDS_DUE_THRESHOLD
from reminders.models import KindOptOut, ReminderPreference
from tests.factories import (
    AttemptFactory,
    card_reviews,
    due_cards,
    enroll,
    finish,
    learning_track,
    sent_evidence,
    tick,
    utc,
)
from tests.reminders.due import PARIS_9AM, due
from tracks import services as track_services
from tracks.models import Enrollment, KeyAction, Track

pytestmark = pytest.mark.django_db


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


def test_retired_cards_and_cards_of_an_unpublished_track_do_not_count(
    learner, enrollment, deck, track
):
    now = utc(2026, 11, 24, PARIS_9AM)
    states = due_cards(learner, deck, count=CARDS_DUE_THRESHOLD + 1, due=utc(2026, 11, 24, 6))
    assert due("cards_due", now)[learner.pk][1] == {"count": CARDS_DUE_THRESHOLD + 1}
    # Two cards retired: below the threshold.
    deck.cards.filter(pk__in=[state.card_id for state in states[:2]]).update(is_active=False)
    assert learner.pk not in due("cards_due", now)
    deck.cards.update(is_active=True)
    track.status = Track.Status.DRAFT
    track.save()
    assert learner.pk not in due("cards_due", now)


def test_cards_due_on_another_track_count_too(learner, enrollment, deck):
    """Cards are the learner's, not the enrollment's: a deck of a paused track still counts."""
    other = learning_track(title="ML Engineering")
    due_cards(learner, other.phases.get(order=1).deck, count=6, due=utc(2026, 11, 24, 6))
    due_cards(learner, deck, count=CARDS_DUE_THRESHOLD - 6, due=utc(2026, 11, 24, 6))
    assert due("cards_due", utc(2026, 11, 24, PARIS_9AM))[learner.pk][1] == {
        "count": CARDS_DUE_THRESHOLD
    }
