"""The learner's pages: submit, my evidence, a submission's history, resubmit, withdraw."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mentors import services
from mentors.models import Submission, SubmissionFile
from tests.factories import PASSWORD, evidence, fresh_rubric, levels_for

State = Submission.State
PDF = b"%PDF-1.4\n% a tiny pdf\n"


@pytest.fixture
def owner(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def as_stranger(client, stranger):
    client.force_login(stranger)
    return client


def post_evidence(client, key_action, **fields):
    data = {
        "url": "https://github.com/learner/project",
        "writeup": "I built a classifier.",
        "note": "",
        "action": "submit",
        **fields,
    }
    return client.post(reverse("mentors:submit", args=[key_action.pk]), data)


def test_it_submits_evidence_and_shows_the_promise_and_queue_position(owner, key_action, mentor):
    response = post_evidence(owner, key_action)
    submission = Submission.objects.get()
    assert response.status_code == 302 and response.url == submission.get_absolute_url()
    page = owner.get(response.url).content.decode()
    assert "Waiting for a mentor: position 1 in the queue" in page
    assert "Mentors promise a review by" in page
    assert "I built a classifier." in page
    assert "The link is well formed (https)." in page


def test_the_form_says_what_the_prechecks_refused(owner, key_action):
    response = post_evidence(owner, key_action, url="javascript:alert(1)", writeup="")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The link must start with https:// or http://." in page
    assert "The write-up is empty" in page
    assert not Submission.objects.exists()


def test_it_stores_an_accepted_file_and_serves_it_to_the_owner_only(
    owner, key_action, client, stranger
):
    upload = SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")
    post_evidence(owner, key_action, files=upload)
    stored = SubmissionFile.objects.get()
    assert stored.name == "report.pdf" and stored.size == len(PDF)
    response = owner.get(reverse("mentors:file", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert 'attachment; filename="report.pdf"' in response["Content-Disposition"]
    client.force_login(stranger)
    assert client.get(reverse("mentors:file", args=[stored.pk])).status_code == 404


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("big.pdf", PDF + b"x" * 2048, content_type="application/pdf"),
            "big.pdf is 2.0\xa0KB: files may be at most 1.0\xa0KB.",
        ),
        (
            SimpleUploadedFile("tool.exe", b"MZ...", content_type="application/octet-stream"),
            "tool.exe: this type of file is not accepted.",
        ),
        (
            SimpleUploadedFile("fake.pdf", b"MZ not a pdf", content_type="application/pdf"),
            "fake.pdf does not look like a .pdf file.",
        ),
    ],
)
def test_a_file_over_the_limit_or_of_a_refused_type_is_refused_and_nothing_is_stored(
    owner, key_action, settings, upload, message
):
    settings.EVIDENCE_MAX_FILE_BYTES = 1024
    response = post_evidence(owner, key_action, files=upload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Submission.objects.exists() and not SubmissionFile.objects.exists()
    media = settings.MEDIA_ROOT
    assert [path for path in media.rglob("*") if path.is_file()] == []  # no file on disk


def test_too_many_files_are_refused(owner, key_action, settings):
    settings.EVIDENCE_MAX_FILES = 1
    files = [SimpleUploadedFile(f"{i}.txt", b"notes", content_type="text/plain") for i in range(2)]
    response = post_evidence(owner, key_action, files=files)
    assert "Attach at most 1 files." in response.content.decode()
    assert not SubmissionFile.objects.exists()


def test_a_draft_is_saved_then_finished(owner, key_action):
    post_evidence(owner, key_action, writeup="", action="draft")
    draft = Submission.objects.get()
    assert draft.state == State.DRAFT
    edit = reverse("mentors:edit", args=[draft.pk])
    assert owner.get(reverse("mentors:submit", args=[key_action.pk])).url == edit
    owner.post(edit, {"url": "", "writeup": "Finished.", "note": "", "action": "submit"})
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED


def test_the_learner_resubmits_from_the_feedback_with_the_last_round_filled_in(
    owner, claimed, mentor, rubric
):
    rubric = fresh_rubric(rubric)
    services.review(
        submission=claimed,
        mentor=mentor,
        verdict="request_changes",
        feedback="Please add **tests**.",
        levels=levels_for(rubric, {"Working code": 1, "Explanation": 2}),
        rubric=rubric,
    )
    page = owner.get(claimed.get_absolute_url()).content.decode()
    assert "Please add <strong>tests</strong>." in page
    assert "1 · Not yet" in page and "below pass" in page
    edit = reverse("mentors:edit", args=[claimed.pk])
    assert f'href="{edit}"' in page
    form = owner.get(edit).content.decode()
    assert "I trained a **classifier** and deployed it." in form  # prefilled
    owner.post(edit, {"url": "https://github.com/l/p", "writeup": "With tests.", "note": ""})
    claimed.refresh_from_db()
    assert claimed.state == State.SUBMITTED
    assert list(claimed.rounds.values_list("writeup", flat=True).order_by("number")) == [
        "I trained a **classifier** and deployed it.",
        "With tests.",
    ]


def test_my_evidence_flags_a_new_review_until_it_is_read(owner, claimed, mentor):
    services.review(
        submission=claimed,
        mentor=mentor,
        verdict="approve",
        feedback="Good",
        levels={},
        rubric=None,
    )
    listing = owner.get(reverse("mentors:my_submissions")).content.decode()
    assert "Reviewed: new feedback" in listing and "Approved" in listing
    # Opening the page writes nothing (a link preview or prefetch must not clear the flag);
    # it asks, by POST, to mark the review read: htmx sends it on load, or the button does.
    page = owner.get(claimed.get_absolute_url()).content.decode()
    seen = reverse("mentors:review_seen", args=[claimed.pk])
    assert f'hx-post="{seen}" hx-trigger="load"' in page and "New review" in page
    assert "Reviewed: new feedback" in owner.get(reverse("mentors:my_submissions")).text
    assert owner.post(seen, headers={"HX-Request": "true"}).content == b""
    listing = owner.get(reverse("mentors:my_submissions")).content.decode()
    assert "Reviewed: new feedback" not in listing
    assert "New review" not in owner.get(claimed.get_absolute_url()).text
    assert owner.post(seen).url == claimed.get_absolute_url()  # without JavaScript; safe twice


def test_the_learner_withdraws_and_can_start_again(owner, submitted, key_action):
    owner.post(reverse("mentors:withdraw", args=[submitted.pk]))
    submitted.refresh_from_db()
    assert submitted.state == State.WITHDRAWN
    assert owner.get(reverse("mentors:submit", args=[key_action.pk])).status_code == 200


def test_script_in_a_writeup_is_never_rendered(owner, key_action):
    post_evidence(owner, key_action, writeup="Hi <script>alert('x')</script> [a](javascript:x)")
    page = owner.get(Submission.objects.get().get_absolute_url()).content.decode()
    assert "<script>alert" not in page and "javascript:x" not in page


@pytest.mark.parametrize("name", ["submission", "edit", "withdraw"])
def test_a_stranger_gets_404_for_someone_elses_submission(as_stranger, submitted, name):
    url = reverse(f"mentors:{name}", args=[submitted.pk])
    response = as_stranger.post(url) if name == "withdraw" else as_stranger.get(url)
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_a_stranger_does_not_see_anothers_submissions_in_their_list(as_stranger, submitted):
    page = as_stranger.get(reverse("mentors:my_submissions")).content.decode()
    assert submitted.key_action.text not in page.split("Start new evidence")[0]
    assert "No evidence yet" in page


def test_key_actions_without_evidence_or_on_draft_tracks_are_404(owner, track):
    plain = track.phases.get(order=1).key_actions.get(order=2)
    assert owner.get(reverse("mentors:submit", args=[plain.pk])).status_code == 404
    track.status = track.Status.DRAFT
    track.save()
    action = track.phases.get(order=1).key_actions.get(order=1)
    assert owner.get(reverse("mentors:submit", args=[action.pk])).status_code == 404


def test_visitors_are_sent_to_log_in(client, submitted):
    response = client.get(reverse("mentors:my_submissions"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_header_links_to_my_evidence(client, learner):
    client.login(email=learner.email, password=PASSWORD)
    page = client.get(reverse("home")).content.decode()
    assert "My evidence" in page and "Review queue" not in page


def test_page_queries_do_not_grow_with_rounds_and_submissions(
    owner, learner, track, claimed, mentor, rubric, django_assert_max_num_queries
):
    rubric = fresh_rubric(rubric)
    for _ in range(3):  # three rounds, each reviewed with scores
        services.review(
            submission=claimed,
            mentor=mentor,
            verdict="request_changes",
            feedback="Again.",
            levels=levels_for(rubric, {"Working code": 1, "Explanation": 1}),
            rubric=rubric,
        )
        services.resubmit(submission=claimed, evidence=evidence())
        services.claim(submission=claimed, mentor=mentor)
    other = track.phases.get(order=2).key_actions.get(order=1)
    services.submit_evidence(learner=learner, key_action=other, evidence=evidence())
    # session, user, submission, queue position, rounds, files, reviews, scores, seen flag,
    # the bell's unread count
    with django_assert_max_num_queries(10):
        assert owner.get(claimed.get_absolute_url()).status_code == 200
    # session, user, submissions (with round counts), key actions that take evidence, the bell
    with django_assert_max_num_queries(5):
        assert owner.get(reverse("mentors:my_submissions")).status_code == 200


def test_the_evidence_picker_lists_only_the_key_actions_of_open_phases(owner, learner, track):
    from tests.factories import enroll

    first = track.phases.get(order=1).key_actions.get(order=1)
    locked = track.phases.get(order=2).key_actions.get(order=1)
    page = owner.get(reverse("mentors:my_submissions")).content.decode()
    assert "Start new evidence" not in page and "Nothing to send right now" in page
    enroll(learner, track)
    page = owner.get(reverse("mentors:my_submissions")).content.decode()
    picker = page.split("Start new evidence")[1]
    assert first.text in picker and locked.text not in picker
