"""The review page's "Evidence approved in this phase" is the evidence_approved gate's own
count (mentors.selectors.counted_submissions), whatever the window says."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from mentors import services
from mentors.models import Review
from tests.factories import evidence, levels_for
from tracks import gates, progression
from tracks import services as track_services

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


def test_work_approved_before_enrolling_counts_the_same_on_the_page_and_in_the_gate(
    client, learner, mentor, track, key_action, rubric
):
    phase = key_action.phase
    criteria = [("evidence_approved", {"count": 1})]
    assert not gates.gate_problems(phase, criteria)
    track_services.set_gate(phase=phase, criteria=criteria)
    with time_machine.travel(T0 - timedelta(days=40), tick=False):
        submission = services.submit_evidence(
            learner=learner, key_action=key_action, evidence=evidence()
        )
        services.claim(submission=submission, mentor=mentor)
        services.review(
            submission=submission,
            mentor=mentor,
            verdict=Review.Verdict.APPROVE,
            feedback="Solid work.",
            levels=levels_for(rubric, {"Working code": 2, "Explanation": 2}),
            rubric=rubric,
        )
    with time_machine.travel(T0, tick=False):
        enrollment = track_services.save_goals(
            learner=learner,
            goals=track_services.GoalsInput(
                track=track, background="newcomer", hours_per_week=10, time_zone="UTC"
            ),
        ).enrollment

    gate = next(r for r in progression.evaluate(enrollment=enrollment).results)
    assert gate.current == "1 approved"  # carried in: approval is final
    client.force_login(mentor)
    page = client.get(reverse("mentors:review", args=[submission.pk])).text
    assert "<dt>Evidence approved in this phase</dt><dd>1</dd>" in page
