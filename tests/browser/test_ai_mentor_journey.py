import pytest
from playwright.sync_api import expect

from ai_mentor.models import MentorConversation, MentorMessage
from tests.browser.people import log_in
from tests.factories import PASSWORD, CardFactory, build_deck, build_track

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phase(db):
    track = build_track(phases=2, actions_per_phase=1, title="AI Engineering")
    phase = track.phases.get(order=2)
    action = phase.key_actions.get()
    action.text = "Package a trained model with Docker and deploy it as a web service"
    action.save()
    deck = build_deck(phase=phase, cards=0, title="Proficiency flashcards")
    CardFactory(
        deck=deck,
        front="What is a Dockerfile?",
        back="A text file of the steps that build a container image.",
    )
    return phase


@pytest.fixture
def csp_violations(page):
    """Content Security Policy violations the browser reports (Chromium logs each one as a
    console error: "Refused to apply inline style because it violates ...")."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_a_learner_asks_the_mentor_and_sees_a_cited_answer_without_reload(
    page, learner, phase, csp_violations
):
    log_in(page, learner.email, PASSWORD)
    page.goto(f"/learn/{phase.track.slug}/{phase.slug}/")
    page.evaluate("window.__notReloaded = true")

    page.get_by_label("Ask the AI mentor").fill("How do I deploy a model as a web service?")
    page.get_by_role("button", name="Ask", exact=True).click()

    answer = page.locator(".ai-message-mentor")
    expect(answer).to_contain_text("From Phase 2 · Package a trained model with Docker")
    expect(
        answer.get_by_role(
            "link",
            name="Phase 2 · Package a trained model with Docker and deploy it as a web service",
        )
    ).to_be_visible()
    expect(page.locator(".ai-message-learner")).to_contain_text("How do I deploy a model")
    assert page.evaluate("window.__notReloaded") is True  # swapped in by htmx, no page load
    expect(page.get_by_label("Ask the AI mentor")).to_have_value("")
    assert MentorMessage.objects.filter(role="mentor").count() == 1

    # The conversation is still there on the next visit, and the learner can delete it.
    page.reload()
    expect(page.locator(".ai-message-mentor")).to_have_count(1)
    page.get_by_role("link", name="Delete this conversation").click()
    page.get_by_role("button", name="Delete the conversation").click()
    expect(page.get_by_text("is deleted")).to_be_visible()
    expect(page.locator(".ai-message-mentor")).to_have_count(0)
    assert csp_violations == []


def test_the_page_scrolls_to_each_new_answer_with_no_csp_violation(
    page, learner, phase, csp_violations
):
    # A conversation long enough that a new answer lands out of sight without a scroll.
    conversation = MentorConversation.objects.create(learner=learner, phase=phase)
    MentorMessage.objects.bulk_create(
        MentorMessage(
            conversation=conversation,
            role="mentor" if i % 2 else "learner",
            text=f"Earlier message {i}. " + "A long line about containers and images. " * 12,
        )
        for i in range(16)
    )
    page.set_viewport_size({"width": 900, "height": 600})
    log_in(page, learner.email, PASSWORD)
    page.goto(f"/learn/{phase.track.slug}/{phase.slug}/")

    for question, expected in [
        ("What is a Dockerfile?", "A text file of the steps that build a container image."),
        ("How do I deploy a model as a web service?", "Package a trained model with Docker"),
    ]:
        page.get_by_label("Ask the AI mentor").fill(question)
        page.get_by_role("button", name="Ask", exact=True).click()
        latest = page.locator("#ai-latest-answer")
        expect(latest).to_contain_text(expected)
        # The answer's top comes to the top of the window, and the focus moves to it.
        page.wait_for_function(
            "() => { const a = document.getElementById('ai-latest-answer');"
            " const top = a && a.getBoundingClientRect().top; return a && top > -2 && top < 80; }"
        )
        expect(latest).to_be_focused()
        expect(latest).to_be_in_viewport()
    assert page.locator("#ai-latest-answer").count() == 1
    assert csp_violations == []
