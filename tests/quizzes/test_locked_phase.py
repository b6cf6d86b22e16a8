"""A locked phase's quiz is shown locked, with what opens the phase and a link to the gate
that is open; starting it is still refused."""

import pytest
from django.urls import reverse

from quizzes.models import Attempt
from tests.factories import NEWCOMER_IN_UTC, build_quiz, build_track, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture
def track(db):
    track = build_track(phases=3, actions_per_phase=1, title="AI Engineering")
    for phase in track.phases.all():
        build_quiz(phase=phase, questions=6, per_attempt=3)
    return track


def phase_url(phase):
    return reverse("quizzes:phase", args=[phase.track.slug, phase.slug])


def test_a_locked_phases_quiz_is_shown_locked_with_what_opens_it(client, learner, track):
    enroll(learner, track, **NEWCOMER_IN_UTC)
    phase1, phase3 = track.phases.get(order=1), track.phases.get(order=3)
    client.force_login(learner)
    html = client.get(phase_url(phase3)).text
    assert '<button type="button" disabled aria-describedby="quiz-locked">' in html
    assert "Locked: Phase 3 has not opened for you yet." in html
    assert f"You are on Phase 1, “{phase1.title}”" in html
    assert "then the phases between open one by one" in html
    assert f'href="{phase_url(phase1)}">Go to Phase 1 and its gate</a>' in html
    assert f'action="{reverse("quizzes:start", args=[phase3.quiz.pk])}"' not in html


def test_the_open_phases_quiz_can_be_started(client, learner, track):
    enroll(learner, track, **NEWCOMER_IN_UTC)
    phase1 = track.phases.get(order=1)
    client.force_login(learner)
    html = client.get(phase_url(phase1)).text
    assert f'action="{reverse("quizzes:start", args=[phase1.quiz.pk])}"' in html
    assert "has not opened for you yet" not in html


def test_a_learner_not_enrolled_may_practise_any_phases_quiz(client, learner, track):
    phase3 = track.phases.get(order=3)
    client.force_login(learner)
    html = client.get(phase_url(phase3)).text
    assert f'action="{reverse("quizzes:start", args=[phase3.quiz.pk])}"' in html
    assert "has not opened for you yet" not in html


def test_starting_a_locked_phases_quiz_is_still_refused(client, learner, track):
    enroll(learner, track, **NEWCOMER_IN_UTC)
    phase2 = track.phases.get(order=2)
    client.force_login(learner)
    response = client.post(reverse("quizzes:start", args=[phase2.quiz.pk]), follow=True)
    assert "Phase 2 is still locked" in response.text
    assert not Attempt.objects.exists()


def test_a_locked_phase_center_has_the_open_phases_query_budget(
    client, learner, track, django_assert_max_num_queries
):
    enroll(learner, track, **NEWCOMER_IN_UTC)
    locked, open_ = (phase_url(track.phases.get(order=n)) for n in (3, 1))
    client.force_login(learner)
    # session, user, phase, the enrollment with this phase's state, the open phase, its gate
    # criteria, quiz, attempts, best, availability, the deck (with the learner's figures),
    # the resources with their completions, the AI mentor's messages, the notification
    # bell: the budget of the open phase's page
    with django_assert_max_num_queries(14):
        client.get(locked)
    with django_assert_max_num_queries(14):
        client.get(open_)
