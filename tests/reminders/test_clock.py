"""Each user's stored clock (zone and preferred hour): right after every change of what it
comes from, so the sweep, which reads only the clock, reminds them at their own hour."""

import importlib

import pytest
from django.apps import apps
from django.core.cache import cache

from edirae.local_time import user_time_zone
from reminders import clock, preferences, services
from reminders.models import Reminder, ReminderPreference, UserClock
from reminders.selectors import at_preferred_hour, audience
from tests.factories import UserFactory, enroll, learning_track, utc, verified_user
from tracks import services as track_services
from tracks.models import Enrollment

pytestmark = pytest.mark.django_db


def clock_of(user) -> tuple[str, int]:
    stored = UserClock.objects.get(user=user)
    return stored.time_zone, stored.hour


def save_preferences(user, *, hour=9, time_zone=""):
    return preferences.save_preferences(
        user=user, hour=hour, time_zone=time_zone, digest=False, enabled_kinds=[]
    )


@pytest.fixture
def other_track():
    return learning_track(title="Data Engineering")


def test_a_new_user_without_preferences_or_goals_follows_9am_utc(learner):
    assert clock_of(learner) == ("UTC", 9)


def test_saving_goals_moves_the_clock_to_their_zone(learner, track):
    enroll(learner, track, time_zone="Asia/Tokyo")
    assert clock_of(learner) == ("Asia/Tokyo", 9)
    enroll(learner, track, time_zone="America/Chicago")  # the same track, new goals
    assert clock_of(learner) == ("America/Chicago", 9)


def test_switching_tracks_follows_the_new_active_enrollment(learner, track, other_track):
    enroll(learner, track, time_zone="Asia/Tokyo")
    enroll(learner, other_track, time_zone="Europe/Berlin")  # pauses the Tokyo one
    assert clock_of(learner) == ("Europe/Berlin", 9)


def test_activating_a_paused_enrollment_brings_its_zone_back(learner, track, other_track):
    tokyo = enroll(learner, track, time_zone="Asia/Tokyo")
    enroll(learner, other_track, time_zone="Europe/Berlin")
    tokyo.refresh_from_db()
    track_services.activate(enrollment=tokyo)
    assert clock_of(learner) == ("Asia/Tokyo", 9)


def test_without_an_active_enrollment_the_clock_falls_back_to_utc(learner, track):
    enrollment = enroll(learner, track, time_zone="Asia/Tokyo")
    enrollment.delete()  # e.g. from the admin
    assert clock_of(learner) == ("UTC", 9)


def test_a_chosen_reminder_zone_and_hour_win_over_the_goals(learner, track):
    enroll(learner, track, time_zone="Asia/Tokyo")
    save_preferences(learner, hour=7, time_zone="America/New_York")
    assert clock_of(learner) == ("America/New_York", 7)
    enroll(learner, track, time_zone="Europe/Paris")  # goals change: the choice stays
    assert clock_of(learner) == ("America/New_York", 7)


def test_a_preference_without_a_zone_keeps_the_goals_zone_with_its_hour(learner, track):
    enroll(learner, track, time_zone="Asia/Tokyo")
    save_preferences(learner, hour=18, time_zone="")
    assert clock_of(learner) == ("Asia/Tokyo", 18)


def test_deleting_the_preference_returns_to_the_goals_zone_and_9am(learner, track):
    enroll(learner, track, time_zone="Asia/Tokyo")
    save_preferences(learner, hour=7, time_zone="America/New_York")
    ReminderPreference.objects.filter(user=learner).get().delete()
    assert clock_of(learner) == ("Asia/Tokyo", 9)


def test_a_user_deleted_with_their_enrollment_leaves_no_clock(learner, track):
    enroll(learner, track, time_zone="Asia/Tokyo")
    save_preferences(learner, hour=7, time_zone="America/New_York")
    learner.delete()
    assert not UserClock.objects.exists()


def test_the_pages_read_the_same_zone_as_the_reminders(learner, track):
    enroll(learner, track, time_zone="Asia/Tokyo")
    cache.clear()  # a cache miss reads the stored clock
    assert user_time_zone(user_id=learner.pk) == "Asia/Tokyo"


def test_keeping_an_unchanged_clock_costs_one_read(learner, django_assert_num_queries):
    with django_assert_num_queries(1):  # the rule's inputs and the stored clock, one row
        assert clock.keep(user_id=learner.pk) == "UTC"


@pytest.mark.usefixtures("kinds")
def test_the_sweep_reminds_a_learner_at_their_new_goals_hour(learner, track):
    enroll(learner, track, time_zone="Asia/Tokyo")  # 9:00 in Tokyo is 00:00 UTC
    assert list(at_preferred_hour(audience(), now=utc(2026, 11, 23, 0, 5))) == [learner]
    enroll(learner, track, time_zone="America/New_York")  # 9:00 there is 14:00 UTC
    assert list(at_preferred_hour(audience(), now=utc(2026, 11, 23, 0, 5))) == []
    services.sweep(now=utc(2026, 11, 23, 14, 5))
    assert Reminder.objects.filter(user=learner, kind="test_daily").count() == 1


def migration_backfill() -> None:
    importlib.import_module("reminders.migrations.0002_user_clock").backfill(apps, None)


def keep_everyone() -> None:
    clock.keep_everyone()


@pytest.mark.parametrize("fill", [migration_backfill, keep_everyone])
def test_users_written_without_signals_get_their_clock_by_the_backfill(fill, track):
    chosen = verified_user("chosen@test.example")
    ReminderPreference.objects.create(user=chosen, hour=6, time_zone="Asia/Kolkata")
    goals = verified_user("goals@test.example")
    enroll(goals, track, time_zone="Asia/Tokyo")
    hour_only = verified_user("hour@test.example")
    ReminderPreference.objects.create(user=hour_only, hour=20)
    enroll(hour_only, track, time_zone="Europe/Paris")
    paused = verified_user("paused@test.example")
    enroll(paused, track, time_zone="Asia/Tokyo")
    Enrollment.objects.filter(learner=paused).update(status=Enrollment.Status.PAUSED)
    bare = UserFactory()
    UserClock.objects.all().delete()  # as before the migration (or after bulk inserts)
    fill()
    assert {u.email: clock_of(u) for u in (chosen, goals, hour_only, paused, bare)} == {
        chosen.email: ("Asia/Kolkata", 6),
        goals.email: ("Asia/Tokyo", 9),
        hour_only.email: ("Europe/Paris", 20),
        paused.email: ("UTC", 9),
        bare.email: ("UTC", 9),
    }
    assert ReminderPreference.objects.count() == 2  # nothing else was written
