"""Pre-review: when a round enters the queue the AI mentor drafts a rubric assessment for
the human mentor (a level, a comment and the write-up passage per criterion); the mentor
sees it labelled as a draft, prefilled; the learner never sees it."""

import json
from unittest import mock

import pytest
from django.urls import reverse

from ai_mentor import pre_review
from ai_mentor.models import AIUsage, PreReviewDraft
from mentors import services as evidence_services
from mentors.models import Review, RubricLevel
from tests.factories import evidence

pytestmark = pytest.mark.django_db

WRITEUP = (
    "I wrote a Dockerfile that builds the image and a FastAPI service that answers requests. "
    "The README has instructions to call it with curl.\n\n"
    "I explain my choice of a random forest: the data is tabular."
)


@pytest.fixture
def described_rubric(rubric):
    """The mentors' test rubric, with words in its descriptions for the heuristic to use."""
    code, explanation = rubric.criteria.order_by("order")
    code.description = "The service runs in a container and answers requests."
    code.save()
    explanation.description = "The write-up explains the choices made."
    explanation.save()
    texts = {
        (code.pk, 1): "No container, or it does not start.",
        (code.pk, 2): "A Dockerfile that builds, a service that answers, instructions to call it.",
        (code.pk, 3): "Deployed on a cloud provider with health checks.",
        (explanation.pk, 1): "Lists steps without reasons.",
        (explanation.pk, 2): "Explains the model choice in plain words.",
        (explanation.pk, 3): "Compares alternatives and says what to try next.",
    }
    for level in RubricLevel.objects.filter(criterion__rubric=rubric):
        level.description = texts[(level.criterion_id, level.score)]
        level.save()
    return rubric


@pytest.fixture
def sent(learner, key_action, described_rubric):
    return evidence_services.submit_evidence(
        learner=learner, key_action=key_action, evidence=evidence(writeup=WRITEUP)
    )


def test_sending_a_round_queues_the_pre_review_after_commit(
    learner, key_action, described_rubric, django_capture_on_commit_callbacks
):
    with mock.patch("ai_mentor.tasks.draft_pre_review.apply_async") as queued:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            submission = evidence_services.submit_evidence(
                learner=learner, key_action=key_action, evidence=evidence(writeup=WRITEUP)
            )
        queued.assert_not_called()  # not before the round is committed
        for callback in callbacks:
            callback()
    round = submission.rounds.get()
    queued.assert_called_once_with((round.pk,), retry=False)


def test_a_draft_is_not_queued_for_a_draft_submission(
    learner, key_action, described_rubric, django_capture_on_commit_callbacks
):
    with (
        mock.patch("ai_mentor.tasks.draft_pre_review.apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        evidence_services.submit_evidence(
            learner=learner, key_action=key_action, evidence=evidence(), draft=True
        )
    queued.assert_not_called()


def test_a_broker_outage_does_not_break_sending_evidence(sent):
    with mock.patch(
        "ai_mentor.tasks.draft_pre_review.apply_async", side_effect=ConnectionError("down")
    ):
        pre_review.queue_pre_review(round_id=sent.rounds.get().pk)  # logs, does not raise


def test_the_task_drafts_a_level_a_comment_and_a_passage_per_criterion(sent, described_rubric):
    from ai_mentor.tasks import draft_pre_review

    round = sent.rounds.get()
    assert draft_pre_review.apply(args=(round.pk,)).get() is True
    draft = PreReviewDraft.objects.get(round=round)
    assert draft.backend == "local"
    assert "does not understand the work" in draft.summary
    code, explanation = described_rubric.criteria.order_by("order")
    items = {item["criterion"]: item for item in draft.items}
    assert items[code.pk]["level"] == code.levels.get(score=2).pk
    assert items[code.pk]["passage"].startswith("I wrote a Dockerfile")
    assert "shares most words with the quoted passage" in items[code.pk]["comment"]
    assert items[explanation.pk]["passage"] == (
        "I explain my choice of a random forest: the data is tabular."
    )
    assert items[explanation.pk]["level"] == explanation.levels.get(score=2).pk
    assert AIUsage.objects.get().kind == "pre_review"


def test_drafting_twice_keeps_the_first_draft(sent):
    round = sent.rounds.get()
    first = pre_review.draft_pre_review(round_id=round.pk)
    second = pre_review.draft_pre_review(round_id=round.pk)
    assert first.pk == second.pk and PreReviewDraft.objects.count() == 1
    assert AIUsage.objects.count() == 1


def test_the_mentor_sees_the_draft_labelled_and_prefilled(client, sent, mentor, described_rubric):
    round = sent.rounds.get()
    pre_review.draft_pre_review(round_id=round.pk)
    evidence_services.claim(submission=sent, mentor=mentor)
    client.force_login(mentor)
    html = client.get(reverse("mentors:review", args=[sent.pk])).text
    assert "AI draft: check before you submit" in html
    assert "The learner never sees this draft and the verdict is yours." in html
    assert "one is preselected only when it quotes the write-up" in html
    assert "“I wrote a Dockerfile that builds the image" in html
    solid = described_rubric.criteria.get(order=1).levels.get(score=2)
    assert f'value="{solid.pk}" id="id_criterion_{solid.criterion_id}_1" checked' in html
    assert not Review.objects.exists()  # a draft is never a review


def test_the_learner_never_sees_the_draft(client, learner, sent):
    pre_review.draft_pre_review(round_id=sent.rounds.get().pk)
    client.force_login(learner)
    for url in [
        reverse("mentors:submission", args=[sent.pk]),
        reverse("mentors:my_submissions"),
        reverse("quizzes:index"),
    ]:
        html = client.get(url).text
        assert "AI draft" not in html and "shares most words" not in html
        assert "does not understand the work" not in html


def test_a_mentor_can_ask_for_a_missing_draft(client, sent, mentor):
    evidence_services.claim(submission=sent, mentor=mentor)
    client.force_login(mentor)
    html = client.get(reverse("mentors:review", args=[sent.pk])).text
    assert "Ask the AI mentor for a draft" in html
    response = client.post(reverse("ai_mentor:draft", args=[sent.pk]))
    assert response.url == reverse("mentors:review", args=[sent.pk])
    assert PreReviewDraft.objects.filter(round__submission=sent).exists()


def test_only_mentors_who_may_see_the_submission_can_ask_for_a_draft(client, learner, sent):
    client.force_login(learner)
    assert client.post(reverse("ai_mentor:draft", args=[sent.pk])).status_code == 404
    assert not PreReviewDraft.objects.exists()


def test_the_openai_pre_review_keeps_only_real_levels_and_verbatim_quotes(
    sent, described_rubric, fake_llm
):
    code, explanation = described_rubric.criteria.order_by("order")
    fake_llm.reply = json.dumps(
        {
            "summary": "Solid container work; the explanation is thin.",
            "items": [
                {
                    "criterion": code.pk,
                    "level": code.levels.get(score=3).pk,
                    "comment": "Builds and answers.",
                    "passage": "I wrote a Dockerfile that builds the image",
                },
                {
                    "criterion": explanation.pk,
                    "level": 999999,  # a level that does not exist
                    "comment": "Invented.",
                    "passage": "A sentence the learner never wrote.",
                },
            ],
        }
    )
    draft = pre_review.draft_pre_review(round_id=sent.rounds.get().pk)
    body = fake_llm.requests[0]["body"]
    assert body["response_format"] == {"type": "json_object"}
    assert "<<<LEARNER_TEXT\n" + WRITEUP in body["messages"][1]["content"]
    items = {item["criterion"]: item for item in draft.items}
    assert draft.backend == "openai"
    assert items[code.pk]["level"] == code.levels.get(score=3).pk
    assert items[code.pk]["passage"] == "I wrote a Dockerfile that builds the image"
    assert items[explanation.pk]["comment"] != "Invented."  # the local heuristic's instead
    assert "A sentence the learner never wrote." not in json.dumps(draft.items)


def test_an_openai_reply_that_is_not_json_falls_back_to_the_heuristic(sent, fake_llm):
    fake_llm.reply = "Looks good to me!"
    draft = pre_review.draft_pre_review(round_id=sent.rounds.get().pk)
    assert draft.backend == "local" and "not the JSON asked for" in draft.notice


# --- No anchoring on guesses ----------------------------------------------------------------


def _review_page(client, mentor, submission):
    evidence_services.claim(submission=submission, mentor=mentor)
    client.force_login(mentor)
    return client.get(reverse("mentors:review", args=[submission.pk])).text


def _checked_levels(html: str) -> list[str]:
    import re

    return re.findall(r'value="(\d+)" id="id_criterion_\d+_\d+" checked', html)


def test_a_title_is_never_evidence_and_no_evidence_means_no_suggestion(
    client, learner, key_action, described_rubric, mentor
):
    writeup = (
        "# Working code and explanation of my container service\n\n"
        "It was a fun week and I learned a lot along the way."
    )
    submission = evidence_services.submit_evidence(
        learner=learner, key_action=key_action, evidence=evidence(writeup=writeup)
    )
    draft = pre_review.draft_pre_review(round_id=submission.rounds.get().pk)
    for item in draft.items:
        assert item["level"] is None and item["passage"] == ""
        assert "no suggestion" in item["comment"]
    html = _review_page(client, mentor, submission)
    assert _checked_levels(html) == []  # nothing preselected, least of all "1 · Not yet"
    assert html.count("AI draft: no suggestion") == 2
    assert "“Working code and explanation" not in html


def test_a_quoted_level_below_the_pass_level_is_shown_but_never_preselected(
    client, learner, key_action, described_rubric, mentor
):
    writeup = "The container does not start yet, so nothing answers requests for now."
    submission = evidence_services.submit_evidence(
        learner=learner, key_action=key_action, evidence=evidence(writeup=writeup)
    )
    draft = pre_review.draft_pre_review(round_id=submission.rounds.get().pk)
    code = described_rubric.criteria.get(order=1)
    item = next(i for i in draft.items if i["criterion"] == code.pk)
    assert item["level"] == code.levels.get(score=1).pk and item["passage"] == writeup
    html = _review_page(client, mentor, submission)
    assert "suggests <strong>1 · Not yet</strong> (not preselected: below the pass level)" in html
    assert str(code.levels.get(score=1).pk) not in _checked_levels(html)
    assert "AI suggestion</span>" in html  # marked on the level, apart from the choice


def test_a_write_up_on_every_criterion_gets_quoted_passing_suggestions(
    client, learner, key_action, described_rubric, mentor
):
    submission = evidence_services.submit_evidence(
        learner=learner,
        key_action=key_action,
        evidence=evidence(writeup="# Container service and model choice\n\n" + WRITEUP),
    )
    draft = pre_review.draft_pre_review(round_id=submission.rounds.get().pk)
    assert all(item["passage"] and item["level"] for item in draft.items)
    assert all(not item["passage"].startswith("#") for item in draft.items)
    html = _review_page(client, mentor, submission)
    solid = {str(c.levels.get(score=2).pk) for c in described_rubric.criteria.all()}
    assert set(_checked_levels(html)) == solid


def test_a_model_suggestion_without_a_quote_is_no_suggestion(
    client, sent, described_rubric, fake_llm, mentor
):
    code, explanation = described_rubric.criteria.order_by("order")
    fake_llm.reply = json.dumps(
        {
            "summary": "Both look fine.",
            "items": [
                {"criterion": code.pk, "level": code.levels.get(score=3).pk,
                 "comment": "Great.", "passage": ""},
                {"criterion": explanation.pk, "level": explanation.levels.get(score=3).pk,
                 "comment": "Deep.", "passage": "I compared ten models carefully."},
            ],
        }
    )  # fmt: skip
    draft = pre_review.draft_pre_review(round_id=sent.rounds.get().pk)
    assert [item["level"] for item in draft.items] == [None, None]
    assert all("quoted nothing from the write-up" in item["comment"] for item in draft.items)
    html = _review_page(client, mentor, sent)
    assert _checked_levels(html) == []
