"""A learner's evidence goes through two rounds of mentor review, in two browsers."""

import pytest
from playwright.sync_api import expect

from mentors.models import Rubric, RubricCriterion, RubricLevel
from tests.browser.people import claim_first, log_in, score
from tests.factories import PASSWORD, build_track, enroll, make_mentor, verified_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting(db):
    track = build_track(phases=1, actions_per_phase=2, title="AI Engineering")
    phase = track.phases.get()
    action = phase.key_actions.get(order=1)
    action.text = "Deploy a model as a web service"
    action.needs_evidence = True
    action.save()
    rubric = Rubric.objects.create(phase=phase, title="Deployment rubric")
    for order, title in enumerate(["Working service", "Explanation"], start=1):
        criterion = RubricCriterion.objects.create(
            rubric=rubric, order=order, title=title, pass_score=2
        )
        for points, label in [(1, "Not yet"), (2, "Solid"), (3, "Exemplary")]:
            RubricLevel.objects.create(criterion=criterion, score=points, label=label)
    learner = verified_user("ada@test.example")
    enroll(learner, track)  # the picker offers the key actions of the learner's open phases
    mentor = make_mentor("grace@test.example", track)
    return learner, mentor


def test_evidence_is_reviewed_twice_and_the_learner_sees_it_approved(page, mentor_page, setting):
    learner, mentor = setting

    # The learner submits evidence from "My evidence".
    log_in(page, learner.email, PASSWORD)
    page.get_by_role("link", name="My evidence", exact=True).click()
    page.get_by_label("Key action").select_option(label="Deploy a model as a web service")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Link").fill("https://github.com/ada/model-service")
    page.get_by_label("Write-up").fill("I served the model with **FastAPI** in Docker.")
    page.get_by_label("What I want feedback on").fill("Is the Dockerfile sensible?")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Waiting for a mentor: position 1 in the queue")).to_be_visible()

    # The mentor claims it and requests changes.
    log_in(mentor_page, mentor.email, PASSWORD)
    claim_first(mentor_page)
    expect(mentor_page.get_by_text("Is the Dockerfile sensible?")).to_be_visible()
    score(mentor_page, "Working service", "1 · Not yet")
    score(mentor_page, "Explanation", "2 · Solid")
    mentor_page.get_by_label("Feedback").fill("The container does not start: add a `CMD`.")
    mentor_page.get_by_role("button", name="Request changes").click()
    expect(mentor_page.get_by_text("Changes requested. The learner has been told.")).to_be_visible()

    # The learner reads the feedback and resubmits in one click from it.
    page.reload()
    expect(page.locator("#submission-state")).to_have_text("Changes requested")
    expect(page.get_by_text("The container does not start: add a CMD.")).to_be_visible()
    page.get_by_role("link", name="Resubmit").click()
    expect(page.get_by_label("Write-up")).to_have_value(
        "I served the model with **FastAPI** in Docker."
    )
    page.get_by_label("Write-up").fill("Added a CMD; the service now starts with `docker run`.")
    page.get_by_role("button", name="Send round 2").click()
    expect(page.locator("#submission-state")).to_have_text("Waiting for a mentor")

    # The mentor sees both rounds, and approves.
    claim_first(mentor_page)
    expect(mentor_page.get_by_text("Earlier rounds")).to_be_visible()
    score(mentor_page, "Working service", "3 · Exemplary")
    score(mentor_page, "Explanation", "2 · Solid")
    mentor_page.get_by_label("Feedback").fill("Works now. Well explained.")
    mentor_page.get_by_role("button", name="Approve").click()
    expect(mentor_page.get_by_text("Approved. The learner has been told.")).to_be_visible()
    expect(mentor_page.get_by_text("Nothing waiting")).to_be_visible()

    # The learner sees it approved, flagged as newly reviewed.
    page.get_by_role("link", name="My evidence", exact=True).click()
    expect(page.get_by_text("Reviewed: new feedback")).to_be_visible()
    page.get_by_role("link", name="Deploy a model as a web service").click()
    expect(page.locator("#submission-state")).to_have_text("Approved")
    expect(page.get_by_text("A mentor approved this evidence.")).to_be_visible()
    # Opening it marked the review read (a POST htmx sends on load): the flag is gone.
    expect(page.get_by_role("button", name="Mark the review as read")).to_have_count(0)
    page.get_by_role("link", name="My evidence", exact=True).click()
    expect(page.get_by_text("Reviewed: new feedback")).to_have_count(0)
