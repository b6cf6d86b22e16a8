import re

import pytest
from playwright.sync_api import expect

from quizzes.models import Attempt, CardState, ReviewLog
from tests.browser.people import assert_accessible, log_in
from tests.factories import PASSWORD, build_deck, build_quiz, build_track

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phase(db):
    track = build_track(phases=1, actions_per_phase=1, title="AI Engineering")
    phase = track.phases.get()
    build_quiz(phase=phase, questions=9, per_attempt=3, cooldown_minutes=30, title="Basics check")
    build_deck(phase=phase, cards=2, title="Basics flashcards")
    return phase


def test_a_learner_fails_a_quiz_and_sees_the_explanations_and_the_cooldown(page, learner, phase):
    log_in(page, learner.email, PASSWORD)
    page.get_by_role("link", name="Learning Center").click()
    page.get_by_role("link", name=phase.title).click()
    page.get_by_role("button", name="Start an attempt").click()

    expect(page.get_by_role("heading", name="Basics check")).to_be_visible()
    wrong = page.get_by_label(re.compile(r"Wrong A"))
    expect(wrong).to_have_count(3)
    for i in range(3):
        wrong.nth(i).check()
    # Answers are saved as the learner goes (htmx), before any submission.
    expect(page.locator("#save-status")).to_contain_text("Answers saved")
    page.get_by_role("button", name="Submit answers").click()

    expect(page.get_by_role("heading", name="Not passed yet: 0 %")).to_be_visible()
    attempt = Attempt.objects.get()
    for response in attempt.responses.select_related("question"):
        expect(page.get_by_text(response.question.explanation)).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"Your next attempt is possible in (30|29) min"))
    ).to_be_visible()
    expect(page.get_by_role("button", name="Start another attempt")).to_have_count(0)


def test_a_learner_reviews_flashcards_with_the_keyboard(page, learner, phase):
    log_in(page, learner.email, PASSWORD)
    page.goto(f"/learn/{phase.track.slug}/{phase.slug}/")
    page.get_by_role("button", name="Study this deck").click()
    # As a person would, wait for the review page to finish loading before using the
    # keyboard: the shortcuts (and htmx) come from deferred scripts that run just before the
    # load event, and a Space pressed earlier does nothing. On a loaded machine the card's
    # text shows well before that.
    page.wait_for_url("**/learn/review/", wait_until="load")

    cards = list(phase.deck.cards.order_by("order"))
    expect(page.get_by_text(cards[0].front)).to_be_visible()
    expect(page.get_by_text(cards[0].back)).to_be_hidden()
    page.keyboard.press("Space")
    expect(page.get_by_text(cards[0].back)).to_be_visible()
    expect(page.get_by_text("I did not recall it")).to_be_visible()
    page.keyboard.press("3")

    expect(page.get_by_text(cards[1].front)).to_be_visible()
    page.keyboard.press("Space")
    expect(page.get_by_text(cards[1].back)).to_be_visible()
    page.keyboard.press("1")

    # Again: the card comes back after its one-minute learning step; Good: in ten minutes.
    expect(page.get_by_role("heading", name="All caught up")).to_be_visible()
    # The session's summary, from its review rows, and the way back to the gate.
    summary = page.locator(".session-summary")
    expect(summary).to_contain_text("You reviewed 2 cards")
    expect(summary).to_contain_text("1 Again")
    expect(summary).to_contain_text("1 Good")
    expect(
        page.get_by_text(re.compile(r"Your next card is due in 1 min, at \d\d:\d\d"))
    ).to_be_visible()
    expect(page.get_by_role("link", name="Back to your plan and its gate")).to_be_visible()
    assert_accessible(page)
    assert list(ReviewLog.objects.order_by("id").values_list("card_id", "rating")) == [
        (cards[0].pk, 3),
        (cards[1].pk, 1),
    ]
    assert CardState.objects.filter(learner=learner).count() == 2
