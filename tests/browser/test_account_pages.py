"""The account pages in Edirae's words and look, accessible (axe-core: no serious or
critical violation), and a locked phase's quiz shown locked, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.people import assert_accessible, log_in
from tests.factories import PASSWORD, build_quiz, build_track, enroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitors_account_pages_speak_our_words_and_are_accessible(page):
    page.goto("/")
    page.get_by_role("link", name="Log in").click()
    page.get_by_role("heading", name="Log in").wait_for()
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Start free").click()
    page.get_by_role("heading", name="Start free").wait_for()
    expect(page.get_by_role("button", name="Start free")).to_be_visible()
    assert_accessible(page)
    page.goto("/accounts/password/reset/")
    page.get_by_label("Email").fill("nobody@test.example")
    page.get_by_role("button", name="Send me the link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    expect(page.get_by_role("link", name=re.compile("write to us at"))).to_have_attribute(
        "href", re.compile("^mailto:")
    )
    assert_accessible(page)


def test_a_learner_logs_in_manages_the_account_and_logs_out_in_our_words(page, learner):
    log_in(page, learner.email, PASSWORD)
    expect(page.get_by_text(f"Welcome back: you are logged in as {learner.email}.")).to_be_visible()
    for url, heading in [
        ("/accounts/email/", "Email address"),
        ("/accounts/password/change/", "Change your password"),
        ("/accounts/logout/", "Log out"),
    ]:
        page.goto(url)
        page.get_by_role("heading", name=heading, exact=True).wait_for()
        assert_accessible(page)
    page.get_by_role("button", name="Log out of this device").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_a_locked_phases_quiz_is_shown_locked_with_the_way_to_the_open_gate(page, learner):
    track = build_track(phases=2, actions_per_phase=1, title="Two phases")
    for phase in track.phases.all():
        build_quiz(phase=phase, questions=6, per_attempt=3)
    enroll(learner, track)
    phase1, phase2 = track.phases.order_by("order")
    log_in(page, learner.email, PASSWORD)
    page.goto(f"/learn/{track.slug}/{phase2.slug}/")
    expect(page.get_by_role("button", name="Start an attempt")).to_be_disabled()
    expect(page.get_by_text("Locked: Phase 2 has not opened for you yet.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Go to Phase 1 and its gate").click()
    page.get_by_role("heading", name=phase1.title).wait_for()
    expect(page.get_by_role("button", name="Start an attempt")).to_be_enabled()
