"""A learner fails the quiz, reads what the gate still needs, passes after the cooldown, and
the next phase opens on screen without a reload once every criterion is met."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quizzes.models import Attempt
from tests.browser.people import log_in
from tests.factories import PASSWORD, build_quiz, build_track, enroll
from tracks import services
from tracks.models import PhaseProgress

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def enrolled(learner):
    track = build_track(phases=2, actions_per_phase=1, title="AI Engineering")
    phase = track.phases.get(order=1)
    build_quiz(phase=phase, questions=9, per_attempt=3, cooldown_minutes=30, title="Basics check")
    services.set_gate(
        phase=phase, criteria=[("quiz_score", {"threshold": 80}), ("key_actions_done", {})]
    )
    enroll(learner, track, background="newcomer")
    return phase


def take_quiz(page, phase, *, right: bool) -> None:
    page.goto(f"/learn/{phase.track.slug}/{phase.slug}/")
    page.get_by_role("button", name="Start an attempt").click()
    choices = page.get_by_label(re.compile(r"Right answer" if right else r"Wrong A"))
    expect(choices).to_have_count(3)
    for i in range(3):
        choices.nth(i).check()
    expect(page.locator("#save-status")).to_contain_text("Answers saved")
    page.get_by_role("button", name="Submit answers").click()


def test_the_gate_says_what_is_missing_and_the_next_phase_opens_without_reload(
    page, learner, enrolled
):
    log_in(page, learner.email, PASSWORD)
    gate = page.locator("#gate")
    expect(gate).to_contain_text("No graded attempt yet: the quiz needs 80 %.")

    take_quiz(page, enrolled, right=False)
    expect(page.get_by_role("heading", name="Not passed yet: 0 %")).to_be_visible()
    page.goto("/")
    expect(gate).to_contain_text("Best 0 %, needs 80 %.")
    expect(gate).to_contain_text("0 of 1 key actions ticked: 1 to go.")

    # The cooldown passes.
    Attempt.objects.update(graded_at=timezone.now() - timedelta(hours=1))
    take_quiz(page, enrolled, right=True)
    page.goto("/")
    expect(gate).to_contain_text("Best 100 %, needs 80 %: met.")
    assert PhaseProgress.objects.get(phase__order=2).state == "locked"

    # Ticking the last key action completes the gate: the checklist reloads itself (htmx)
    # and says Phase 2 is open, in the same document.
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name=re.compile(r"^Done: Action 1.1")).click()
    expect(gate).to_contain_text("Phase 2 · Phase 2 is open")
    assert page.evaluate("window.__sameDocument") is True
    assert PhaseProgress.objects.get(phase__order=2).state == "unlocked"
