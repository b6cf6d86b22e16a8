"""An admin cannot publish a track whose evidence nobody would review; once a staff
fallback reviewer exists, it publishes, and a learner's evidence lands in that queue."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.people import log_in
from tests.factories import PASSWORD, build_track, enroll, verified_user
from tracks.models import Track
from tracks.services import set_gate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def draft_track(db):
    track = build_track(phases=1, actions_per_phase=1, title="Evaluation Engineering")
    track.status = Track.Status.DRAFT
    track.save()
    phase = track.phases.get()
    phase.key_actions.update(text="Ship an evaluation harness", needs_evidence=True)
    set_gate(phase=phase, criteria=[("evidence_approved", {})])
    return track


def publish(page, track) -> None:
    page.goto(f"/admin/tracks/track/{track.pk}/change/")
    page.get_by_label("Status").select_option("published")
    page.get_by_role("button", name="Save", exact=True).click()


def test_publishing_needs_a_reviewer_and_evidence_then_reaches_the_fallback_queue(
    page, browser, live_server, draft_track
):
    admin = verified_user("author@test.example", is_staff=True, is_superuser=True)
    learner = verified_user("ada@test.example")
    log_in(page, admin.email, PASSWORD)  # the admin signs in through the site's log-in

    publish(page, draft_track)
    expect(page.get_by_text(re.compile("no active mentor covers it"))).to_be_visible()
    draft_track.refresh_from_db()
    assert draft_track.status == Track.Status.DRAFT

    # The admin makes themself the reviewer of last resort, in the admin.
    page.goto("/admin/mentors/mentorprofile/add/")
    page.locator("#id_user + .select2").click()  # the admin's autocomplete box
    page.locator(".select2-search__field").fill("author@")
    page.get_by_role("option", name=admin.email).click()
    page.get_by_label("Fallback reviewer").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile("was added successfully"))).to_be_visible()
    publish(page, draft_track)
    expect(page.get_by_text(re.compile("was changed successfully"))).to_be_visible()

    # A learner on the new track sends work; they are told who reviews it.
    enroll(learner, draft_track)
    context = browser.new_context(base_url=live_server.url, timezone_id="Europe/Paris")
    learner_page = context.new_page()
    log_in(learner_page, learner.email, PASSWORD)
    action = draft_track.phases.get().key_actions.get()
    learner_page.goto(f"/evidence/new/{action.pk}/")
    learner_page.get_by_label("Link").fill("https://github.com/ada/eval-harness")
    learner_page.get_by_label("Write-up").fill("A harness that scores a model on held-out sets.")
    learner_page.get_by_role("button", name="Submit for review").click()
    expect(learner_page.get_by_text(re.compile("Edirae's staff reviewers"))).to_be_visible()
    context.close()

    page.goto("/mentor/")
    expect(page.get_by_text("Ship an evaluation harness")).to_be_visible()
