"""The sweep: who is due (local hour, time zone, DST), who is skipped, and exactly once."""

import threading

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection

from reminders import services
from reminders.kinds import registry
from reminders.models import KindOptOut, Notification, Reminder
from reminders.periods import local_day
from tests.factories import UserFactory, learner_in, utc
from tests.reminders.fakes import Announcement, DailyNudge

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kinds", "eager_tasks")]


def daily(user) -> list[str]:
    return list(
        Reminder.objects.filter(user=user, kind="test_daily").values_list("period", flat=True)
    )


def nudges() -> list[str]:
    """Recipients of the daily nudge mails sent so far."""
    return [m.to[0] for m in mail.outbox if m.subject == "Ten minutes of study today?"]


def sweep(now):
    """A sweep as beat runs it: the deliveries it enqueues run when its transaction commits."""
    with time_machine.travel(now, tick=False):
        return services.sweep(now=now)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return sweep(now)

    return run


# --- Local hour and time zone ---------------------------------------------------------------


def test_a_learner_is_reminded_at_their_preferred_local_hour(run_on_commit):
    paris = learner_in("Europe/Paris", hour=8)
    run_on_commit(utc(2026, 11, 23, 6, 30))  # 07:30 in Paris
    assert daily(paris) == []
    run_on_commit(utc(2026, 11, 23, 7, 5))  # 08:05 in Paris
    assert daily(paris) == ["2026-11-23"]
    assert nudges() == [paris.email]


def test_the_same_utc_sweep_reaches_each_learner_at_their_own_hour(run_on_commit):
    paris = learner_in("Europe/Paris", hour=8)
    new_york = learner_in("America/New_York", hour=8)
    kolkata = learner_in("Asia/Kolkata", hour=12)  # UTC+5:30
    run_on_commit(utc(2026, 11, 23, 7, 0))  # Paris 08:00, New York 02:00, Kolkata 12:30
    assert daily(paris) == ["2026-11-23"]
    assert daily(new_york) == []
    assert daily(kolkata) == ["2026-11-23"]
    run_on_commit(utc(2026, 11, 23, 13, 10))  # New York 08:10
    assert daily(new_york) == ["2026-11-23"]


def test_a_learner_past_the_hour_window_waits_for_tomorrow(run_on_commit):
    paris = learner_in("Europe/Paris", hour=8)
    run_on_commit(utc(2026, 11, 23, 9, 0))  # 10:00: the window is 08:00-09:59
    assert daily(paris) == []


def test_a_learner_without_preferences_gets_the_default_9am_utc(run_on_commit, learner):
    run_on_commit(utc(2026, 11, 23, 8, 59))
    assert daily(learner) == []
    run_on_commit(utc(2026, 11, 23, 9, 0))
    assert daily(learner) == ["2026-11-23"]


def test_the_paris_reminder_follows_the_clock_across_the_autumn_dst_change(run_on_commit):
    paris = learner_in("Europe/Paris", hour=8)
    run_on_commit(utc(2026, 10, 24, 6, 15))  # Saturday 08:15 CEST (UTC+2)
    run_on_commit(utc(2026, 10, 25, 6, 15))  # Sunday 07:15 CET (UTC+1): too early now
    assert daily(paris) == ["2026-10-24"]
    run_on_commit(utc(2026, 10, 25, 7, 15))  # Sunday 08:15 CET
    assert daily(paris) == ["2026-10-24", "2026-10-25"]


def test_the_hour_that_happens_twice_in_new_york_sends_once(run_on_commit):
    night_owl = learner_in("America/New_York", hour=1)
    run_on_commit(utc(2026, 11, 1, 5, 30))  # 01:30 EDT
    run_on_commit(utc(2026, 11, 1, 6, 30))  # 01:30 EST, the same hour again
    run_on_commit(utc(2026, 11, 1, 7, 30))  # 02:30 EST, still in the window
    assert daily(night_owl) == ["2026-11-01"]
    assert nudges() == [night_owl.email]


def test_the_hour_skipped_in_spring_is_caught_up_in_the_next_hour(run_on_commit):
    paris = learner_in("Europe/Paris", hour=2)
    run_on_commit(utc(2026, 3, 29, 0, 30))  # 01:30 CET; 02:00 does not happen that night
    assert daily(paris) == []
    run_on_commit(utc(2026, 3, 29, 1, 5))  # 03:05 CEST
    assert daily(paris) == ["2026-03-29"]


# --- Who is skipped -------------------------------------------------------------------------


def test_inactive_unverified_and_opted_out_users_are_skipped(run_on_commit):
    active = learner_in("UTC", hour=9, email="active@test.example")
    inactive = learner_in("UTC", hour=9, email="inactive@test.example")
    inactive.is_active = False
    inactive.save()
    unverified = UserFactory(email="unverified@test.example")
    EmailAddress.objects.create(
        user=unverified, email=unverified.email, verified=False, primary=True
    )
    no_address = UserFactory(email="no-address@test.example")
    opted_out = learner_in("UTC", hour=9, email="opted-out@test.example")
    KindOptOut.objects.create(user=opted_out, kind="test_daily", source="preferences")

    run_on_commit(utc(2026, 11, 23, 9, 0))

    assert set(Reminder.objects.filter(kind="test_daily").values_list("user", flat=True)) == {
        active.pk
    }
    # Opting out of one kind leaves the others on.
    assert Reminder.objects.filter(user=opted_out, kind="test_announcement").exists()
    assert not Reminder.objects.filter(user__in=[inactive, unverified, no_address]).exists()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "active@test.example",
        "active@test.example",
        "opted-out@test.example",
    ]


def test_a_kind_not_bound_to_the_hour_goes_out_at_any_hour(run_on_commit):
    paris = learner_in("Europe/Paris", hour=8)
    run_on_commit(utc(2026, 11, 23, 2, 0))  # 03:00 in Paris
    assert list(Reminder.objects.filter(user=paris).values_list("kind", flat=True)) == [
        "test_announcement"
    ]


def test_a_suppressed_address_gets_in_app_notifications_only(run_on_commit):
    bounced = learner_in("UTC", hour=9, email_suppressed_at=utc(2026, 11, 1))
    run_on_commit(utc(2026, 11, 23, 9, 0))
    assert mail.outbox == []
    assert Notification.objects.filter(user=bounced).count() == 2
    assert set(Reminder.objects.filter(user=bounced).values_list("state", "emailed")) == {
        ("sent", False)
    }


# --- Exactly once ---------------------------------------------------------------------------


def test_a_sweep_run_twice_sends_once(run_on_commit):
    paris = learner_in("Europe/Paris", hour=8)
    first = run_on_commit(utc(2026, 11, 23, 7, 0))
    second = run_on_commit(utc(2026, 11, 23, 7, 5))
    assert (first.claimed, second.claimed) == (2, 0)
    assert second.enqueue_ids == []
    assert len(mail.outbox) == 2  # the daily nudge and the announcement, once each
    assert Notification.objects.filter(user=paris).count() == 2


def test_the_next_day_is_a_new_period(run_on_commit):
    paris = learner_in("Europe/Paris", hour=8)
    run_on_commit(utc(2026, 11, 23, 7, 0))
    run_on_commit(utc(2026, 11, 24, 7, 0))
    assert daily(paris) == ["2026-11-23", "2026-11-24"]


def test_deliveries_are_enqueued_after_commit_only(django_capture_on_commit_callbacks):
    learner_in("UTC", hour=9)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = sweep(utc(2026, 11, 23, 9, 0))
    assert len(report.enqueue_ids) == 2
    assert mail.outbox == []  # nothing sent while the claim could still roll back
    assert len(callbacks) == 1


def test_a_dry_run_writes_nothing_and_says_who_would_get_what():
    paris = learner_in("Europe/Paris", hour=8)
    report = services.sweep(now=utc(2026, 11, 23, 7, 0), dry_run=True)
    assert sorted((p.email, p.kind, p.period) for p in report.planned) == [
        (paris.email, "test_announcement", "once"),
        (paris.email, "test_daily", "2026-11-23"),
    ]
    assert not Reminder.objects.exists()


def test_a_pending_reminder_left_by_a_broker_outage_is_enqueued_again_later(
    run_on_commit, monkeypatch
):
    paris = learner_in("Europe/Paris", hour=8)
    monkeypatch.setattr(services, "enqueue", lambda reminder_ids: 0)  # the broker is down
    run_on_commit(utc(2026, 11, 23, 7, 0))
    assert Reminder.objects.filter(user=paris, state="pending").count() == 2
    monkeypatch.undo()

    soon = run_on_commit(utc(2026, 11, 23, 7, 5))  # too early to call them lost
    assert soon.requeued == 0
    later = run_on_commit(utc(2026, 11, 23, 7, 15))
    assert later.requeued == 2
    assert Reminder.objects.filter(user=paris, state="sent").count() == 2
    assert len(mail.outbox) == 2


def test_an_interrupted_delivery_is_marked_failed_not_sent_twice(run_on_commit):
    learner = learner_in("UTC", hour=9)
    reminder = Reminder.objects.create(
        user=learner,
        kind="test_daily",
        period="2026-11-22",
        state="sending",
        created_at=utc(2026, 11, 22, 9),
        last_attempt_at=utc(2026, 11, 22, 9),
        claim="00000000-0000-0000-0000-000000000000",
    )
    report = run_on_commit(utc(2026, 11, 22, 11, 0))
    reminder.refresh_from_db()
    assert report.interrupted == 1
    assert reminder.state == "failed"
    assert "Interrupted" in reminder.last_error


def test_the_sweep_runs_a_fixed_number_of_queries_whatever_the_number_of_users(
    django_assert_max_num_queries,
):
    def population(size, start):
        for n in range(start, start + size):
            learner_in("Europe/Paris", hour=8, email=f"pop{n}@test.example")

    counts = []
    for size, day in ((5, 23), (50, 24)):
        population(size, start=len(counts) * 1000)
        now = utc(2026, 11, day, 7, 0)
        # 1 interrupted UPDATE, 1 stale SELECT, 2 kinds' due SELECTs, 1 INSERT of claims,
        # 1 digest-candidates SELECT, 1 SELECT back of this sweep's claims, + savepoint pair.
        with django_assert_max_num_queries(9) as captured:
            report = services.sweep(now=now)
        counts.append(len(captured))
        # Day one: 5 nudges, 5 announcements; day two: 55 nudges, 50 new announcements.
        assert report.claimed == (10 if size == 5 else 105)
    assert counts[0] == counts[1]


# --- Digest ---------------------------------------------------------------------------------


def test_a_digest_learner_gets_one_mail_with_everything_due_that_day(run_on_commit):
    digest_user = learner_in("Europe/Paris", hour=8, digest=True)
    run_on_commit(utc(2026, 11, 23, 7, 0))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Your Edirae reminders: 2 for today"
    assert "Ten minutes of study today?" in message.body
    assert "Your evidence was reviewed" in message.body
    assert Notification.objects.filter(user=digest_user).count() == 2
    assert set(Reminder.objects.filter(user=digest_user).values_list("kind", "state")) == {
        ("digest", "sent"),
        ("test_daily", "sent"),
        ("test_announcement", "sent"),
    }
    # A second sweep in the same hour sends no second digest.
    run_on_commit(utc(2026, 11, 23, 7, 5))
    assert len(mail.outbox) == 1


def test_a_reminder_due_outside_the_hour_waits_for_the_next_digest(run_on_commit):
    digest_user = learner_in("Europe/Paris", hour=8, digest=True)
    run_on_commit(utc(2026, 11, 23, 15, 0))  # 16:00: the announcement is due, the digest is not
    assert mail.outbox == []
    assert Reminder.objects.get(user=digest_user).state == "pending"
    later = run_on_commit(utc(2026, 11, 23, 15, 30))  # not "lost": it waits for the digest
    assert later.requeued == 0
    run_on_commit(utc(2026, 11, 24, 7, 0))  # next morning, 08:00
    assert len(mail.outbox) == 1
    assert "Your evidence was reviewed" in mail.outbox[0].body
    assert "Ten minutes of study today?" in mail.outbox[0].body


def test_a_digest_of_one_reminder_uses_that_reminders_subject(run_on_commit):
    digest_user = learner_in("Europe/Paris", hour=8, digest=True)
    KindOptOut.objects.create(user=digest_user, kind="test_announcement", source="preferences")
    run_on_commit(utc(2026, 11, 23, 7, 0))
    assert [m.subject for m in mail.outbox] == ["Ten minutes of study today?"]


# --- Concurrency, on PostgreSQL -------------------------------------------------------------


class MeetingPoint(DailyNudge):
    """Holds each sweep until both have computed who is due: their INSERTs then collide."""

    barrier: threading.Barrier

    def due(self, *, now, recipients):
        rows = list(super().due(now=now, recipients=recipients))
        self.barrier.wait(timeout=10)
        return rows


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_send_once():
    assert connection.vendor == "postgresql"
    users = [learner_in("Europe/Paris", hour=8, email=f"c{n}@test.example") for n in range(6)]
    kind = MeetingPoint()
    kind.barrier = threading.Barrier(2)
    now = utc(2026, 11, 23, 7, 0)
    reports, errors = [], []

    def run():
        try:
            reports.append(services.sweep(now=now))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    with registry.override(kind):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert errors == []
    assert sorted(report.claimed for report in reports) == [0, len(users)]
    assert Reminder.objects.count() == len(users)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)


# --- The registry ---------------------------------------------------------------------------


def test_a_kind_needs_a_unique_key_and_cannot_take_the_digests():
    class Clash(Announcement):
        pass

    class Digest(Announcement):
        key = "digest"

    with pytest.raises(ValueError, match="share the key"):
        registry.register(Clash())
    with pytest.raises(ValueError, match="reserved"):
        registry.register(Digest())


def test_a_due_row_carries_its_payload_to_the_reminder(run_on_commit):
    learner_in("Asia/Tokyo", hour=17)
    run_on_commit(utc(2026, 11, 23, 8, 0))
    reminder = Reminder.objects.get(kind="test_daily")
    assert reminder.payload == {"zone": "Asia/Tokyo"}
    assert reminder.period == local_day(utc(2026, 11, 23, 8, 0), "Asia/Tokyo")
