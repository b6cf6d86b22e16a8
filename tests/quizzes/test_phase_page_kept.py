"""The phase's Learning Center keeps the track's content between requests (its quiz and deck
with their sizes, its resources: `tracks.content_memo`); after each kind of edit the very
next page shows it."""

import pytest
from django.urls import reverse

from quizzes.models import Question
from tests.factories import CardFactory, ResourceFactory, build_deck, build_quiz, build_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def phase():
    track = build_track(phases=2, actions_per_phase=1)
    phase = track.phases.get(order=1)
    build_quiz(phase=phase, questions=9, per_attempt=3, title="Foundations check")
    build_deck(phase=phase, cards=4, title="Foundations cards")
    ResourceFactory(track=track, phase=phase, title="The first book")
    return phase


@pytest.fixture
def page(client, learner, phase):
    client.force_login(learner)
    url = reverse("quizzes:phase", args=[phase.track.slug, phase.slug])

    def get() -> str:
        response = client.get(url)
        assert response.status_code == 200
        return response.text

    html = get()  # the first page reads what is kept
    assert (
        "3 drawn from 9" in html and "<dt>Cards</dt><dd>4</dd>" in html and "The first book" in html
    )
    return get


def test_a_question_retired_or_moved_to_practice_changes_the_bank_at_once(page, phase):
    first, second = phase.quiz.questions.all()[:2]
    first.is_active = False
    first.save()
    assert "3 drawn from 8" in page()
    second.pool = Question.Pool.PRACTICE
    second.save()
    assert "3 drawn from 7" in page()


def test_a_quiz_edited_or_switched_off_shows_at_once(page, phase):
    quiz = phase.quiz
    quiz.title = "Foundations exam"
    quiz.save()
    assert "Foundations exam" in page()
    quiz.is_active = False
    quiz.save()
    assert "Foundations exam" not in page()


def test_a_card_added_or_retired_changes_the_deck_at_once(page, phase):
    card = CardFactory(deck=phase.deck)
    assert "<dt>Cards</dt><dd>5</dd>" in page()
    card.is_active = False
    card.save()
    assert "<dt>Cards</dt><dd>4</dd>" in page()
    deck = phase.deck
    deck.is_active = False
    deck.save()
    assert "Foundations cards" not in page()


def test_a_resource_added_renamed_or_removed_shows_at_once(page, phase):
    added = ResourceFactory(track=phase.track, phase=phase, title="A second book")
    assert "A second book" in page()
    added.title = "A better second book"
    added.save()
    assert "A better second book" in page()
    added.delete()
    assert "second book" not in page()


def test_the_attempts_listed_follow_each_attempt_at_once(page, phase, learner):
    """The latest attempts and the best score are kept under the learner's evidence version
    (enrolled): each attempt moves it."""
    from quizzes import services
    from tests.factories import enroll

    enroll(learner, phase.track)
    html = page()
    assert "Continue your attempt" not in html and "<dd>not taken yet</dd>" in html
    attempt = services.start_attempt(learner=learner, quiz=phase.quiz)
    assert "Continue your attempt" in page()
    services.grade_attempt(attempt=attempt)  # nothing answered: 0 %
    html = page()
    assert "Continue your attempt" not in html and "<dt>Your best</dt><dd>0 %</dd>" in html
