"""The mentor's pages: the queue, claiming, the review form, statistics; and who sees what."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentors import services
from mentors.models import (
    MentorAssignment,
    MentorProfile,
    Review,
    Rubric,
    RubricCriterion,
    RubricLevel,
    Submission,
)
from tests.factories import (
    PASSWORD,
    build_track,
    evidence,
    fresh_rubric,
    make_mentor,
    verified_user,
)

State = Submission.State


@pytest.fixture
def as_mentor(client, mentor):
    client.force_login(mentor)
    return client


def criterion_fields(rubric, scores):
    rubric = fresh_rubric(rubric)
    return {
        f"criterion_{c.pk}": c.levels.get(score=scores[c.title]).pk for c in rubric.criteria.all()
    }


def test_the_queue_lists_waiting_submissions_oldest_first_with_their_wait(
    as_mentor, track, submitted
):
    newer_learner = verified_user("newer@test.example")
    action = track.phases.get(order=2).key_actions.get(order=1)
    newer = services.submit_evidence(learner=newer_learner, key_action=action, evidence=evidence())
    Submission.objects.filter(pk=submitted.pk).update(
        submitted_at=timezone.now() - timedelta(hours=50)
    )
    page = as_mentor.get(reverse("mentors:queue")).content.decode()
    assert page.index(f"queue-item-{submitted.pk}") < page.index(f"queue-item-{newer.pk}")
    assert "50 h" in page and "of 48 h" in page and "Past the promise" in page
    assert '<button type="submit" class="button-small"' in page  # a real button


def test_claiming_from_the_queue_opens_the_review_page(as_mentor, submitted, mentor):
    response = as_mentor.post(reverse("mentors:claim", args=[submitted.pk]))
    assert response.url == reverse("mentors:review", args=[submitted.pk])
    submitted.refresh_from_db()
    assert submitted.claimed_by == mentor
    page = as_mentor.get(response.url).content.decode()
    assert "Claimed by you until" in page
    # No rubric on this phase (the `rubric` fixture is not used): the mentor is told so.
    assert "This phase has no rubric yet: write your feedback and verdict." in page


def test_a_claim_lost_to_another_mentor_is_explained(as_mentor, submitted, other_mentor):
    services.claim(submission=submitted, mentor=other_mentor)
    response = as_mentor.post(reverse("mentors:claim", args=[submitted.pk]), follow=True)
    assert "Another mentor claimed this submission" in response.content.decode()


def test_the_review_form_shows_the_rubric_and_approves(as_mentor, claimed, rubric):
    url = reverse("mentors:review", args=[claimed.pk])
    page = as_mentor.get(url).content.decode()
    assert "Approval needs every criterion at or above its pass level." in page
    assert 'type="radio"' in page and "Working code" in page and "passes at 2" in page
    data = {
        **criterion_fields(rubric, {"Working code": 2, "Explanation": 3}),
        "feedback": "Well done.",
        "verdict": "approve",
    }
    response = as_mentor.post(url, data)
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.state == State.APPROVED


def test_the_review_form_refuses_approval_below_a_pass_level(as_mentor, claimed, rubric):
    url = reverse("mentors:review", args=[claimed.pk])
    data = {
        **criterion_fields(rubric, {"Working code": 1, "Explanation": 3}),
        "feedback": "Nice.",
        "verdict": "approve",
    }
    page = as_mentor.post(url, data).content.decode()
    assert "Below the pass level for approval (2)." in page
    assert "Approval needs every criterion at or above its pass level. Request changes" in page
    assert not Review.objects.exists()


def test_the_mentor_requests_changes_and_earlier_rounds_show_on_the_next_review(
    as_mentor, claimed, rubric, mentor
):
    url = reverse("mentors:review", args=[claimed.pk])
    data = {
        **criterion_fields(rubric, {"Working code": 1, "Explanation": 2}),
        "feedback": "Add tests.",
        "verdict": "request_changes",
    }
    as_mentor.post(url, data)
    claimed.refresh_from_db()
    services.resubmit(submission=claimed, evidence=evidence(writeup="Round two."))
    services.claim(submission=claimed, mentor=mentor)
    page = as_mentor.get(url).content.decode()
    assert "Round two." in page and "Earlier rounds" in page and "Add tests." in page


@pytest.mark.parametrize("name", ["queue", "stats"])
def test_non_mentors_get_404_on_mentor_pages(client, learner, name):
    client.force_login(learner)
    assert client.get(reverse(f"mentors:{name}")).status_code == 404


def test_a_mentor_cannot_open_or_claim_a_submission_outside_their_tracks(client, submitted):
    elsewhere = make_mentor("elsewhere@test.example", build_track(phases=1, actions_per_phase=1))
    client.force_login(elsewhere)
    assert client.get(reverse("mentors:review", args=[submitted.pk])).status_code == 404
    assert client.post(reverse("mentors:claim", args=[submitted.pk])).status_code == 404
    assert submitted.key_action.text not in client.get(reverse("mentors:queue")).content.decode()


def test_a_mentor_never_sees_their_own_submission(as_mentor, mentor, key_action):
    own = services.submit_evidence(learner=mentor, key_action=key_action, evidence=evidence())
    assert as_mentor.get(reverse("mentors:review", args=[own.pk])).status_code == 404
    assert f"queue-item-{own.pk}" not in as_mentor.get(reverse("mentors:queue")).content.decode()


def test_a_learner_assigned_to_another_mentor_is_not_in_my_queue(
    as_mentor, submitted, learner, track, other_mentor
):
    MentorAssignment.objects.create(
        learner=learner, track=track, mentor=MentorProfile.objects.get(user=other_mentor)
    )
    assert (
        f"queue-item-{submitted.pk}" not in as_mentor.get(reverse("mentors:queue")).content.decode()
    )
    assert as_mentor.get(reverse("mentors:review", args=[submitted.pk])).status_code == 404


def test_a_mentor_downloads_files_of_submissions_they_may_review(as_mentor, learner, key_action):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("notes.md", b"# Notes", content_type="text/markdown")
    submission = services.submit_evidence(
        learner=learner, key_action=key_action, evidence=evidence(files=[upload])
    )
    stored = submission.rounds.get().files.get()
    response = as_mentor.get(reverse("mentors:file", args=[stored.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"# Notes"


def test_statistics_show_the_median_wait_and_reviews_this_week(as_mentor, mentor, track):
    action = track.phases.get(order=1).key_actions.get(order=1)
    for hours in (2, 10, 30):
        learner = verified_user(f"l{hours}@test.example")
        submission = services.submit_evidence(
            learner=learner, key_action=action, evidence=evidence()
        )
        services.claim(submission=submission, mentor=mentor)
        services.review(
            submission=submission,
            mentor=mentor,
            verdict="approve",
            feedback="ok",
            levels={},
            rubric=None,
            now=submission.submitted_at + timedelta(hours=hours),
        )
    page = as_mentor.get(reverse("mentors:stats")).content.decode()
    assert "10 h" in page  # the median of 2, 10 and 30 hours
    assert '3 <span class="meta">of your 10 a week</span>' in page


def test_the_mentor_sees_the_review_queue_link_after_logging_in(client, mentor):
    client.login(email=mentor.email, password=PASSWORD)  # the password form: signal runs
    client.post(reverse("account_login"), {"login": mentor.email, "password": PASSWORD})
    assert "Review queue" in client.get(reverse("home")).content.decode()


def test_the_queue_refreshes_as_an_htmx_fragment(as_mentor, submitted):
    response = as_mentor.get(reverse("mentors:queue"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue"') and "<html" not in html


def test_mentor_page_queries_do_not_grow_with_the_queue(
    as_mentor, track, mentor, claimed, rubric, django_assert_max_num_queries
):
    action = track.phases.get(order=2).key_actions.get(order=1)
    for i in range(5):
        services.submit_evidence(
            learner=verified_user(f"q{i}@test.example"), key_action=action, evidence=evidence()
        )
    as_mentor.get(reverse("mentors:queue"))  # the first visit stores "is a mentor" in the session
    # session, user, profile, queue (one query with round counts and assignments), the bell
    with django_assert_max_num_queries(5):
        assert as_mentor.get(reverse("mentors:queue")).status_code == 200
    review = reverse("mentors:review", args=[claimed.pk])
    as_mentor.get(review)  # the first review after a content change reads the track's rubrics
    # session, user, profile, submission, rounds, files, reviews, scores, approved count, the
    # AI mentor's draft, the notification bell, the learner's enrollment (gate)
    with django_assert_max_num_queries(12):
        assert as_mentor.get(review).status_code == 200
    # session, user, profile, this week's reviews, recent waits, waiting now, the bell
    with django_assert_max_num_queries(7):
        assert as_mentor.get(reverse("mentors:stats")).status_code == 200


def test_the_queue_shows_a_page_at_a_time_oldest_first(as_mentor, track, mentor, monkeypatch):
    from mentors import selectors

    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 2)
    action = track.phases.get(order=2).key_actions.get(order=1)
    sent = [
        services.submit_evidence(
            learner=verified_user(f"p{i}@test.example"), key_action=action, evidence=evidence()
        )
        for i in range(5)
    ]
    first = as_mentor.get(reverse("mentors:queue")).content.decode()
    assert [f"queue-item-{s.pk}" in first for s in sent] == [True, True, False, False, False]
    assert "Oldest first: 1-2" in first and "?page=2" in first and "?page=0" not in first
    last = as_mentor.get(reverse("mentors:queue"), {"page": 3}).content.decode()
    assert [f"queue-item-{s.pk}" in last for s in sent] == [False, False, False, False, True]
    assert "?page=2" in last and "?page=4" not in last
    beyond = as_mentor.get(reverse("mentors:queue"), {"page": 9}).content.decode()
    assert "No more waiting" in beyond
    # A page number that is not one is page 1, never an error.
    assert as_mentor.get(reverse("mentors:queue"), {"page": "x"}).status_code == 200


def test_an_invalid_verdict_is_shown_not_swallowed(as_mentor, claimed, rubric):
    url = reverse("mentors:review", args=[claimed.pk])
    data = {
        **criterion_fields(rubric, {"Working code": 2, "Explanation": 3}),
        "feedback": "Well done.",
        "verdict": "ship-it",
    }
    response = as_mentor.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose a verdict: Approve or Request changes (“ship-it” is not one)." in page
    assert 'role="alert"' in page
    claimed.refresh_from_db()
    assert claimed.state == State.IN_REVIEW and not Review.objects.exists()


def test_a_review_from_a_mentor_who_lost_the_claim_says_so(
    as_mentor, claimed, rubric, other_mentor
):
    # The claim expired and another mentor took the submission while this one was writing.
    Submission.objects.filter(pk=claimed.pk).update(
        claim_expires_at=timezone.now() - timedelta(minutes=1)
    )
    services.claim(submission=Submission.objects.get(pk=claimed.pk), mentor=other_mentor)
    data = {
        **criterion_fields(rubric, {"Working code": 2, "Explanation": 3}),
        "feedback": "Well done.",
        "verdict": "approve",
    }
    page = as_mentor.post(reverse("mentors:review", args=[claimed.pk]), data).content.decode()
    assert "You no longer hold the claim on this submission: claim it again to review." in page
    assert "Another mentor is reviewing this submission" in page
    assert not Review.objects.exists()


def test_a_rubric_edited_in_the_admin_shows_on_the_next_review(
    as_mentor, claimed, rubric, key_action
):
    """The track's rubrics are kept between requests (`rubric_for`): every edit shows."""
    url = reverse("mentors:review", args=[claimed.pk])
    assert "Working code" in as_mentor.get(url).text
    criterion = rubric.criteria.get(title="Working code")
    criterion.title = "Code that runs"
    criterion.save()
    assert "Code that runs" in as_mentor.get(url).text
    level = criterion.levels.get(score=3)
    level.label = "Outstanding"
    level.save()
    assert "Outstanding" in as_mentor.get(url).text
    own = Rubric.objects.create(phase=key_action.phase, key_action=key_action, title="Own")
    own_criterion = RubricCriterion.objects.create(
        rubric=own, order=1, title="Its own criterion", pass_score=1
    )
    RubricLevel.objects.create(criterion=own_criterion, score=1, label="Done")
    page = as_mentor.get(url).text
    assert "Its own criterion" in page and "Code that runs" not in page
    own.delete()
    assert "Code that runs" in as_mentor.get(url).text


def test_the_queue_shows_a_key_action_or_phase_edited_in_the_admin_at_once(
    as_mentor, submitted, key_action
):
    """The queue's key actions and phases are the track's content, memoized."""
    assert key_action.text in as_mentor.get(reverse("mentors:queue")).text
    key_action.text = "Ship a container image of the service"
    key_action.save()
    phase = key_action.phase
    phase.order = 7
    phase.save()
    html = as_mentor.get(reverse("mentors:queue")).text
    assert "Ship a container image of the service" in html and "Phase 7" in html
