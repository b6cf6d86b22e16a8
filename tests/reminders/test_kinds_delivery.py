"""Each real kind end to end (sweep → claim → delivery → email and notification), and the
sweep's query count with real kinds over learners who have data."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from mentors import services as mentor_services
from reminders import preferences, services
from reminders.builtin.learning import CARDS_DUE_THRESHOLD
from reminders.models import Notification, Reminder, ReminderPreference
from tests.factories import (
    AttemptFactory,
    card_reviews,
    due_cards,
    enroll,
    evidence,
    learning_track,
    make_mentor,
    reviewed,
    sent_evidence,
    tick,
    utc,
    verified_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

PARIS_9AM = 8  # UTC hour of 09:00 in Paris in November


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """A sweep as beat runs it at `now`; its deliveries run when its transaction commits."""

    def run(now):
        with (
            time_machine.travel(now, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return services.sweep(now=now)

    return run


@pytest.fixture
def track():
    return learning_track(title="AI Engineering")


@pytest.fixture
def enrollment(learner, track):
    return enroll(learner, track, at=utc(2026, 11, 16, 10), hours=10)


def unsubscribes(header: str) -> list[str]:
    """The kinds a List-Unsubscribe header's signed link turns off."""
    token = header.strip("<>").rstrip("/").rsplit("/", 1)[1]
    return preferences.read_unsubscribe_token(token).kinds


def the_mail(user, kind):
    """The one mail of `kind` sent to `user`, checked for what every reminder mail has: the
    kind's one-click unsubscribe link (signed for this user and kind) in the headers, the
    text and the HTML, and the in-app notification that goes with it."""
    reminder = Reminder.objects.get(user=user, kind=kind)
    assert (reminder.state, reminder.emailed) == ("sent", True)
    notification = Notification.objects.get(reminder=reminder)
    [message] = [
        m
        for m in mail.outbox
        if m.to == [user.email] and unsubscribes(m.extra_headers["List-Unsubscribe"]) == [kind]
    ]
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith(settings.SITE_URL + "/reminders/unsubscribe/")
    html = message.alternatives[0][0]
    assert link in message.body and link in html
    assert settings.SITE_URL + notification.url in message.body
    return message, notification


def test_an_idle_learner_gets_one_nudge_with_their_next_step(sweep, learner, enrollment):
    sweep(utc(2026, 11, 18, PARIS_9AM))  # Wednesday: two days since enrolling
    sweep(utc(2026, 11, 18, PARIS_9AM, 30))
    message, notification = the_mail(learner, "inactivity")
    assert message.subject == "2 days since you last studied"
    assert "Your plan counts on a study session every day, and it has been 2 days." in (
        message.body
    )
    assert "Next key action: Action 1.1" in message.body
    assert notification.url == "/"
    assert Reminder.objects.filter(user=learner, kind="inactivity").count() == 1


def test_due_flashcards_are_announced_once_a_day(sweep, learner, enrollment, track):
    deck = track.phases.get(order=1).deck
    due_cards(learner, deck, count=CARDS_DUE_THRESHOLD + 2, due=utc(2026, 11, 24, 6))
    card_reviews(learner, deck, count=1, at=utc(2026, 11, 24, 7))  # studied: no nudge
    sweep(utc(2026, 11, 24, PARIS_9AM))
    sweep(utc(2026, 11, 24, PARIS_9AM + 1))
    message, notification = the_mail(learner, "cards_due")  # exactly one
    assert message.subject == "12 flashcards are due for review"
    assert notification.url == reverse("quizzes:review")
    assert not Reminder.objects.filter(user=learner, kind="inactivity").exists()


def test_a_learner_behind_their_weekly_goal_is_told_what_is_left(sweep, learner, enrollment, track):
    quiz = track.phases.get(order=1).quiz
    AttemptFactory(learner=learner, quiz=quiz, started_at=utc(2026, 11, 25, 6), minutes=30)
    sweep(utc(2026, 11, 25, PARIS_9AM))  # Wednesday
    message, _ = the_mail(learner, "weekly_goal")
    assert message.subject == "9.5 hours to your weekly goal: still within reach"
    assert "you studied about 0.5 hours this week" in message.body


def test_the_weekly_digest_says_what_moved_and_what_is_next(sweep, learner, enrollment, track):
    deck = track.phases.get(order=1).deck
    tick(enrollment, at=utc(2026, 11, 26, 12))
    card_reviews(learner, deck, count=4, at=utc(2026, 11, 27, 12))
    ReminderPreference.objects.create(user=learner, hour=7)  # zone: the goals' (Paris)
    sweep(utc(2026, 11, 30, 6))  # Monday 07:00 in Paris
    message, _ = the_mail(learner, "weekly_digest")
    assert message.subject == "Your week on AI Engineering: what moved, what is next"
    assert "Last week on AI Engineering:\n• 1 key action ticked\n• 4 flashcard reviews" in (
        message.body
    )
    assert "What is next: Next key action: Action 1.2" in message.body
    assert "• 1 key action ticked<br>• 4 flashcard reviews" in message.alternatives[0][0]


def test_a_mentors_review_reaches_the_learner_through_the_reminders(
    sweep, learner, enrollment, track
):
    mentor = make_mentor("mentor@test.example", track)
    action = track.phases.get(order=1).key_actions.get(order=1)
    sent = utc(2026, 11, 20, 10)
    submission = mentor_services.submit_evidence(
        learner=learner, key_action=action, evidence=evidence(), now=sent
    )
    mentor_services.claim(submission=submission, mentor=mentor, now=sent + timedelta(hours=2))
    with time_machine.travel(sent + timedelta(hours=3), tick=False):
        mentor_services.review(
            submission=submission,
            mentor=mentor,
            verdict="request_changes",
            feedback="Add an evaluation.",
            levels={},
            rubric=None,
            now=sent + timedelta(hours=3),
        )
    assert mail.outbox == []  # not mailed directly any more
    sweep(sent + timedelta(hours=3, minutes=5))  # 16:05 in Paris: news is not hour-bound
    message, notification = the_mail(learner, "evidence_reviewed")
    assert message.subject == "A mentor asked for changes to your evidence"
    assert f"“{action.text}”" in message.body
    assert notification.url == reverse("mentors:submission", kwargs={"pk": submission.pk})
    sweep(sent + timedelta(hours=3, minutes=10))
    assert len(mail.outbox) == 1


def test_evidence_past_the_promise_reaches_mentors_then_staff(
    sweep, learner, enrollment, track, staff
):
    mentor = make_mentor("mentor@test.example", track)
    action = track.phases.get(order=1).key_actions.get(order=1)
    sent = utc(2026, 11, 20, 10)
    submission = mentor_services.submit_evidence(
        learner=learner, key_action=action, evidence=evidence(), now=sent
    )
    promise_broken = sent + timedelta(hours=48, minutes=1)
    sweep(promise_broken)
    message, notification = the_mail(mentor, "evidence_waiting")
    assert message.subject == "Evidence has waited over 48 h for review (AI Engineering)"
    assert "has waited 48 hours, past our 48-hour review promise" in message.body
    assert notification.url == reverse("mentors:review", kwargs={"pk": submission.pk})
    assert not Reminder.objects.filter(user=staff).exists()

    # The mentors' beat escalates it; the next sweep tells staff (and no one twice).
    assert mentor_services.escalate_overdue_submissions(now=promise_broken) == [submission.pk]
    assert mail.outbox[1:] == []  # escalation itself mails no one
    sweep(promise_broken + timedelta(minutes=5))
    message, notification = the_mail(staff, "evidence_waiting")
    assert message.subject == "Escalated: evidence waiting past the 48 h promise (AI Engineering)"
    assert notification.url == reverse("admin:mentors_submission_change", args=[submission.pk])
    assert sorted(m.to[0] for m in mail.outbox) == [staff.email, mentor.email]


def test_a_digest_learner_gets_the_real_kinds_in_one_mail(sweep, learner, enrollment, track):
    ReminderPreference.objects.create(user=learner, digest=True)  # at 09:00 in Paris
    due_cards(learner, track.phases.get(order=1).deck, count=10, due=utc(2026, 11, 30))
    sweep(utc(2026, 11, 30, PARIS_9AM))  # Monday: idle nudge, cards due, weekly digest
    [message] = mail.outbox
    assert message.subject == "Your Edirae reminders: 3 for today"
    for title in (
        "14 days since you last studied",
        "10 flashcards are due for review",
        "Your week on AI Engineering",
    ):
        assert title in message.body


# --- Query count ----------------------------------------------------------------------------


def populate(track, mentor, start: int, size: int) -> None:
    """`size` learners enrolled on Monday 9 November, each with data for every kind: an
    attempt and card reviews that week, cards due, evidence waiting (escalated) and evidence
    reviewed on the Sunday before the sweeps."""
    quiz = track.phases.get(order=1).quiz
    deck = track.phases.get(order=1).deck
    action = track.phases.get(order=1).key_actions.get(order=1)
    other = track.phases.get(order=2).key_actions.get(order=1)
    for n in range(start, start + size):
        learner = verified_user(f"pop{n}@test.example")
        enrollment = enroll(learner, track, at=utc(2026, 11, 9, 10))
        AttemptFactory(learner=learner, quiz=quiz, started_at=utc(2026, 11, 10, 18))
        card_reviews(learner, deck, count=2, at=utc(2026, 11, 10, 19))
        tick(enrollment, at=utc(2026, 11, 10, 20))
        due_cards(learner, deck, count=CARDS_DUE_THRESHOLD, due=utc(2026, 11, 11))
        sent_evidence(learner, action, at=utc(2026, 11, 12, 10), escalated=True)
        done = sent_evidence(learner, other, at=utc(2026, 11, 12, 10))
        reviewed(done, mentor, at=utc(2026, 11, 29, 12), verdict="approve")


def test_the_sweep_runs_a_fixed_number_of_queries_with_real_kinds_and_data(
    track, staff, django_assert_max_num_queries, monkeypatch
):
    mentor = make_mentor("mentor@test.example", track)
    monkeypatch.setattr(services, "enqueue", lambda reminder_ids: 0)  # the claims suffice
    counts, claimed = [], []
    for start, size, day in ((0, 5, 23), (5, 45, 30)):  # two Mondays, 09:00 in Paris
        populate(track, mentor, start, size)
        now = utc(2026, 11, day, PARIS_9AM)
        # 1 UPDATE of interrupted deliveries, 1 SELECT of stale ones; due SELECTs: inactivity,
        # cards due, weekly goal, weekly digest, evidence reviewed (1 each), evidence waiting
        # (3: overdue rounds, mentors of their tracks, staff); 1 INSERT of claims, 1 SELECT
        # of digest users, 1 SELECT back of this sweep's claims; a savepoint pair.
        with django_assert_max_num_queries(15) as captured:
            report = services.sweep(now=now)
        counts.append(len(captured))
        claimed.append(report.claimed)
    assert counts[0] == counts[1]
    # First Monday, each learner: idle nudge, cards due, weekly digest; the mentor and staff:
    # each escalated round. Second Monday: the idle nudge of the new learners only (the first
    # five are in the same lapse), cards due and digest for all, the new learners' rounds,
    # and the reviews of the Sunday before for all.
    assert claimed == [5 * 3 + 5 * 2, 45 + 50 + 50 + 45 * 2 + 50]
