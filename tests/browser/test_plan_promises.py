"""The plan keeps its word and the learner always knows the next step, in a real browser.

axe-core (vendored under tests/browser/vendor/, MPL-2.0) checks each page touched for
serious or critical accessibility violations.
"""

import math
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from mentors import services as evidence_services
from mentors.models import MentorProfile, Submission
from quizzes import services as quiz_services
from quizzes.models import CardState
from reminders.models import ReminderPreference
from tests.browser.people import assert_accessible, sign_in
from tests.factories import criterion, enroll, master_first_phase, verified_user
from tests.pages import says_utc
from tracks import gates
from tracks.models import KeyActionProgress

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 390, "height": 844}


def send_evidence(learner, phase, now=None):
    action = phase.key_actions.filter(needs_evidence=True).first()
    return evidence_services.submit_evidence(
        learner=learner,
        key_action=action,
        evidence=evidence_services.Evidence(
            url="https://github.com/learner/project", writeup="What I built and why.", note=""
        ),
        now=now,
    )


@pytest.fixture
def data_scientist(learner, small_track):
    return enroll(learner, small_track, background="data-scientist", time_zone="Europe/Paris")


# --- 1. A plan that keeps its word ------------------------------------------------------------


def test_a_data_scientists_headline_matches_the_timeline_and_no_phase_is_short(
    page, learner, data_scientist, small_track
):
    sign_in(page, learner)
    page.goto("/")
    lead = page.locator(".dashboard-header .lead").inner_text()
    plan = data_scientist.plan
    study = [p for p in plan["phases"] if not p["on_the_job"]]
    role_date = datetime.fromisoformat(study[-1]["end"])
    last_end = datetime.fromisoformat(plan["phases"][-1]["end"])
    # The headline's role date is the end of the last study phase on the timeline, and the
    # on-the-job growth is said apart, to the timeline's end.
    assert f"expected by {role_date.day} {role_date:%b %Y}" in lead
    assert "of growth on the job" in lead and f"to {last_end:%b %Y}" in lead
    items = page.locator(".plan-phase")
    shown_end = items.nth(len(study) - 1).locator(".meta").first.inner_text()
    assert f"\N{EN DASH} {role_date.day} {role_date:%b %Y}" in shown_end
    for phase in small_track.phases.order_by("order"):
        if phase.on_the_job:
            continue
        needed = gates.gate_minimum_days(
            phase, [(c.kind, c.params) for c in phase.gate_criteria.all()]
        )
        text = items.nth(phase.order - 1).locator(".meta").first.inner_text()
        weeks = int(re.search(r"(\d+) weeks?", text).group(1))
        assert weeks * 7 >= needed, (phase.title, weeks, needed)
        assert weeks >= math.ceil(needed / 7)
    assert_accessible(page)


# --- 2. Local time ----------------------------------------------------------------------------


def test_a_learner_in_paris_and_a_mentor_see_local_times(
    page, learner, data_scientist, small_track
):
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    phase1 = small_track.phases.get(order=1)
    quiz_services.start_attempt(learner=learner, quiz=phase1.quiz, now=noon)
    submission = send_evidence(learner, phase1, now=noon)
    # Studied cards, none due: the dashboard says when the next one is, in Paris time.
    for card in phase1.deck.cards.all()[:2]:
        CardState.objects.create(
            learner=learner,
            card=card,
            state=CardState.State.REVIEW,
            stability=3.0,
            due=noon + timedelta(days=3),
            last_review=noon,
        )
    paris_noon = timezone.localtime(noon, timezone=ZoneInfo("Europe/Paris"))
    local = f"{paris_noon:%H:%M}"
    assert local != "12:00"
    sign_in(page, learner)

    page.goto("/")
    assert not says_utc(page.content())
    assert page.get_by_text(re.compile(rf"waiting for review since \w+ {local}")).count() >= 1

    page.goto(f"/learn/{small_track.slug}/{phase1.slug}/")
    assert page.get_by_text(re.compile(rf"{paris_noon.day} {paris_noon:%b %Y}, {local}")).count()
    assert not says_utc(page.content())
    assert_accessible(page)

    page.goto(f"/evidence/{submission.pk}/")
    page.get_by_text(f"Sent {paris_noon.day} {paris_noon:%b %Y}, {local}").wait_for()
    assert not says_utc(page.content())

    mentor = verified_user("mentor@test.example")
    MentorProfile.objects.create(user=mentor).tracks.add(small_track)
    ReminderPreference.objects.create(user=mentor, time_zone="Europe/Paris")
    page.context.clear_cookies()
    sign_in(page, mentor)
    page.goto(f"/mentor/{submission.pk}/")
    assert page.get_by_text(re.compile(rf"{local}")).count() >= 1
    assert not says_utc(page.content())


# --- 3. Continue ------------------------------------------------------------------------------


def continue_button(page):
    return page.locator(".continue-button")


def test_a_new_learner_continues_to_the_deck_that_needs_days(page, learner, data_scientist):
    sign_in(page, learner)
    page.goto("/")
    page.get_by_role("heading", name="Continue").wait_for()
    assert continue_button(page).inner_text() == "Start the flashcards"
    continue_button(page).click()
    page.get_by_role("heading", name="Flashcards", exact=True).wait_for()
    assert page.url.endswith("#deck-title")
    assert page.get_by_role("button", name=re.compile("Study this deck")).is_visible()


def test_with_cards_due_continue_opens_a_card_to_review(page, learner, data_scientist, small_track):
    phase1 = small_track.phases.get(order=1)
    quiz_services.study_deck(learner=learner, deck=phase1.deck)
    past = timezone.now() - timedelta(days=2)
    for card in phase1.deck.cards.all()[:2]:
        CardState.objects.create(
            learner=learner,
            card=card,
            state=CardState.State.REVIEW,
            stability=1.0,
            due=past,
            last_review=past - timedelta(days=1),
        )
    sign_in(page, learner)
    page.goto("/")
    assert continue_button(page).inner_text() == "Review 2 due cards"
    assert "fade" in page.locator(".continue-why").inner_text()
    continue_button(page).click()
    page.get_by_text("Show answer").wait_for()
    assert page.locator(".flashcard-front").count() == 1


def test_with_feedback_waiting_continue_opens_the_evidence_to_revise(
    page, learner, data_scientist, small_track
):
    submission = send_evidence(learner, small_track.phases.get(order=1))
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.CHANGES_REQUESTED)
    sign_in(page, learner)
    page.goto("/")
    assert continue_button(page).inner_text() == "Revise your evidence"
    continue_button(page).click()
    page.wait_for_url(f"**/evidence/{submission.pk}/")


def test_with_everything_sent_continue_says_it_waits_on_a_mentor(page, learner):
    from tests.factories import build_track
    from tracks.services import set_gate

    track = build_track(phases=2, actions_per_phase=2, title="Two phases")
    phase1 = track.phases.get(order=1)
    phase1.key_actions.filter(order=1).update(needs_evidence=True)
    set_gate(phase=phase1, criteria=[("evidence_approved", {}), ("key_actions_done", {})])
    enroll(learner, track)
    KeyActionProgress.objects.filter(enrollment__learner=learner).update(ticked_at=timezone.now())
    send_evidence(learner, phase1)
    sign_in(page, learner)
    page.goto("/")
    page.get_by_role("heading", name="Waiting on others").wait_for()
    assert "promise a review within 48 hours" in page.locator(".continue-why").inner_text()
    continue_button(page).click()
    page.get_by_role("heading", name="My evidence").wait_for()


# --- 4. The mastered moment and the mobile first screen ---------------------------------------


def test_a_mastered_phase_shows_its_moment(page, learner, data_scientist, small_track):
    master_first_phase(
        data_scientist,
        small_track,
        criterion("quiz_score", "90 %", "80 %", "Best 90 %, needs 80 %: met."),
    )
    sign_in(page, learner)
    page.goto("/")
    banner = page.get_by_role("status").filter(has_text="You mastered Phase 1")
    banner.wait_for()
    assert "Quiz score: 90 %" in banner.inner_text()
    assert "Now open: Phase 2" in banner.inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="See the evidence").click()
    page.get_by_role("heading", name=re.compile("Why is Phase 1")).wait_for()
    assert "quiz_score" not in page.content()
    assert_accessible(page)


def test_on_a_phone_continue_is_in_the_first_screen(page, learner, data_scientist):
    page.set_viewport_size(MOBILE)
    sign_in(page, learner)
    page.goto("/")
    box = continue_button(page).bounding_box()
    assert box is not None and box["y"] + box["height"] <= MOBILE["height"]
    page.screenshot(path="/tmp/edirae-dashboard-390.png")
    # The menu button folds the links away and opens them.
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible() and not page.get_by_role("link", name="Learning Center").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="Learning Center").is_visible()
    assert_accessible(page)
