"""The promise: past 48 hours a submission is offered to every mentor and staff are told
(by the reminder sweep, kind `evidence_waiting`)."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from mentors import selectors, services, tasks
from mentors.models import Escalation, MentorAssignment, MentorProfile
from reminders import services as reminders
from tests.factories import evidence, fresh_rubric, levels_for

pytestmark = pytest.mark.usefixtures("staff")


@pytest.fixture
def assigned_to_other_mentor(learner, track, other_mentor):
    MentorAssignment.objects.create(
        learner=learner, track=track, mentor=MentorProfile.objects.get(user=other_mentor)
    )


def test_it_escalates_once_a_submission_waits_past_the_promise(
    submitted, django_capture_on_commit_callbacks
):
    sent = submitted.submitted_at
    with time_machine.travel(sent + timedelta(hours=47, minutes=59), tick=False):
        assert services.escalate_overdue_submissions() == []
    with (
        time_machine.travel(sent + timedelta(hours=48, minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.escalate_overdue_submissions() == [submitted.pk]
        assert services.escalate_overdue_submissions() == []  # once
    escalation = Escalation.objects.get()
    assert escalation.round == submitted.rounds.get()
    # Escalating mails no one itself: the next reminder sweep tells staff, once per round.
    assert mail.outbox == []
    planned = reminders.sweep(now=sent + timedelta(hours=48, minutes=5), dry_run=True).planned
    assert ("admin@test.example", "evidence_waiting", f"round-{escalation.round_id}-escalated") in {
        (p.email, p.kind, p.period) for p in planned
    }


def test_an_escalated_submission_is_offered_to_every_mentor_of_the_track(
    submitted, mentor, other_mentor, assigned_to_other_mentor
):
    profile = MentorProfile.objects.get(user=mentor)
    assert selectors.queue(profile=profile) == []  # assigned to the other mentor
    services.escalate_overdue_submissions(now=submitted.submitted_at + timedelta(hours=49))
    assert [s.pk for s in selectors.queue(profile=profile)] == [submitted.pk]


def test_a_resubmission_starts_a_new_promise(submitted, mentor, rubric):
    later = submitted.submitted_at + timedelta(hours=49)
    services.escalate_overdue_submissions(now=later)
    services.claim(submission=submitted, mentor=mentor, now=later)
    rubric = fresh_rubric(rubric)
    services.review(
        submission=submitted,
        mentor=mentor,
        verdict="request_changes",
        feedback="More detail please.",
        levels=levels_for(rubric, {"Working code": 1, "Explanation": 1}),
        rubric=rubric,
        now=later,
    )
    with time_machine.travel(later + timedelta(hours=1), tick=False):
        services.resubmit(submission=submitted, evidence=evidence())
    submitted.refresh_from_db()
    assert submitted.escalated_at is None
    assert services.escalate_overdue_submissions(now=later + timedelta(hours=30)) == []
    assert services.escalate_overdue_submissions(now=later + timedelta(hours=50)) == [submitted.pk]
    assert Escalation.objects.count() == 2


def test_reviewed_submissions_are_never_escalated(claimed, mentor):
    services.review(
        submission=claimed,
        mentor=mentor,
        verdict="approve",
        feedback="Good",
        levels={},
        rubric=None,
    )
    assert services.escalate_overdue_submissions(now=timezone.now() + timedelta(days=5)) == []


def test_the_beat_task_calls_the_service(submitted):
    with time_machine.travel(submitted.submitted_at + timedelta(hours=49), tick=False):
        assert tasks.escalate_overdue_submissions.apply().get() == 1
        assert tasks.escalate_overdue_submissions.apply().get() == 0
