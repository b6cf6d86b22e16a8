"""Continue: the one next step the dashboard offers, chosen from the gate."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentors import services as evidence_services
from mentors.models import Submission
from quizzes.models import CardState
from tests.factories import build_track, enroll
from tracks import next_step, progression, selectors, services
from tracks.models import KeyActionProgress


def step_for(learner):
    enrollment = selectors.active_enrollment(learner)
    gate = progression.evaluate(enrollment=enrollment)
    return next_step.choose(dashboard=selectors.dashboard(learner=learner, gate=gate), gate=gate)


def send_evidence(learner, phase):
    action = phase.key_actions.filter(needs_evidence=True).first()
    return evidence_services.submit_evidence(
        learner=learner,
        key_action=action,
        evidence=evidence_services.Evidence(
            url="https://github.com/learner/project", writeup="What I built.", note=""
        ),
    )


@pytest.fixture
def data_scientist(learner, small_track):
    return enroll(learner, small_track, background="data-scientist")


def test_a_new_learner_starts_the_deck_whose_window_takes_days(learner, data_scientist):
    step = step_for(learner)
    phase1 = data_scientist.track.phases.get(order=1)
    assert step.label == "Start the flashcards"
    assert (
        step.url == reverse("quizzes:phase", args=[phase1.track.slug, phase1.slug]) + "#deck-title"
    )
    assert not step.waiting


def test_due_cards_come_first_once_studied(learner, data_scientist):
    deck = data_scientist.track.phases.get(order=1).deck
    now = timezone.now()
    for card in deck.cards.all()[:3]:
        CardState.objects.create(
            learner=learner,
            card=card,
            state=CardState.State.REVIEW,
            stability=2.0,
            due=now - timedelta(hours=1),
            last_review=now - timedelta(days=2),
        )
    step = step_for(learner)
    assert step.label == "Review 3 due cards" and step.url == reverse("quizzes:review")
    assert "fade" in step.reason


def test_feedback_to_act_on_beats_everything(learner, data_scientist):
    submission = send_evidence(learner, data_scientist.track.phases.get(order=1))
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.CHANGES_REQUESTED)
    step = step_for(learner)
    assert step.label == "Revise your evidence"
    assert step.url == reverse("mentors:submission", args=[submission.pk])


def test_with_everything_sent_the_step_says_it_waits_on_a_mentor(learner):
    track = build_track(phases=2, actions_per_phase=2)
    phase1 = track.phases.get(order=1)
    phase1.key_actions.filter(order=1).update(needs_evidence=True)
    services.set_gate(phase=phase1, criteria=[("evidence_approved", {}), ("key_actions_done", {})])
    enroll(learner, track)
    KeyActionProgress.objects.filter(enrollment__learner=learner).update(ticked_at=timezone.now())
    send_evidence(learner, phase1)
    step = step_for(learner)
    assert step.waiting and step.label == "Follow your evidence"
    assert "promise a review within 48 hours" in step.reason
    assert step.meanwhile is not None


def test_an_unticked_action_to_learn_comes_before_the_quiz(learner, small_track):
    enroll(learner, small_track, background="newcomer")
    # Start the deck so that the deck step is out of the way.
    deck = small_track.phases.get(order=1).deck
    card = deck.cards.first()
    CardState.objects.create(
        learner=learner,
        card=card,
        state=CardState.State.REVIEW,
        stability=2.0,
        due=timezone.now() + timedelta(days=2),
        last_review=timezone.now(),
    )
    step = step_for(learner)
    assert step.label.startswith("Next key action: ")
    assert step.url.startswith(reverse("home") + "#key-action-")


def test_with_the_actions_covered_the_quiz_is_the_step(learner, data_scientist):
    deck = data_scientist.track.phases.get(order=1).deck
    CardState.objects.create(
        learner=learner,
        card=deck.cards.first(),
        state=CardState.State.REVIEW,
        stability=2.0,
        due=timezone.now() + timedelta(days=2),
        last_review=timezone.now(),
    )
    step = step_for(learner)
    assert step.label == "Take the quiz"


def test_the_quiz_step_follows_each_attempt_at_once(learner, data_scientist):
    """The step reads the latest attempts kept under the evidence version: each attempt
    started or graded moves it, so the step never lags behind."""
    from quizzes import services as quiz_services

    test_with_the_actions_covered_the_quiz_is_the_step(learner, data_scientist)  # kept now
    quiz = data_scientist.track.phases.get(order=1).quiz
    attempt = quiz_services.start_attempt(learner=learner, quiz=quiz)
    step = step_for(learner)
    assert step.label == "Resume your quiz attempt"
    assert step.url == reverse("quizzes:attempt", args=[attempt.pk])
    quiz_services.grade_attempt(attempt=attempt)
    assert step_for(learner).label != "Resume your quiz attempt"


def test_the_dashboard_shows_continue_as_a_real_link(client, learner, data_scientist):
    client.force_login(learner)
    page = client.get("/").content.decode()
    assert 'id="next-action-title"' in page and ">Continue<" in page
    assert 'class="button button-primary continue-button" href="/learn/' in page
