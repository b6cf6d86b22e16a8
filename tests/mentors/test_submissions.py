"""Learners submit evidence; the state machine refuses what it must."""

import pytest

from mentors import services
from mentors.models import Submission
from mentors.prechecks import Check, reachability_checker
from tests.factories import evidence, fresh_rubric, levels_for

State = Submission.State


def test_it_sends_evidence_with_its_prechecks(submitted):
    assert submitted.state == State.SUBMITTED
    round = submitted.rounds.get()
    assert round.number == 1 and round.submitted_at is not None
    assert [(c["name"], c["passed"]) for c in round.prechecks] == [
        ("link", True),
        ("write-up", True),
    ]


def test_it_keeps_a_draft_away_from_mentors_until_it_is_sent(learner, key_action):
    draft = services.submit_evidence(
        learner=learner, key_action=key_action, evidence=evidence(writeup=""), draft=True
    )
    assert draft.state == State.DRAFT and draft.submitted_at is None
    services.update_draft(submission=draft, evidence=evidence(writeup="Done now."), send=True)
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED
    assert draft.rounds.get().writeup == "Done now."


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "must start with https:// or http://"),
        ("ftp://example.com/x", "must start with https:// or http://"),
        ("https://exa mple.com", "not a well-formed web address"),
    ],
)
def test_it_refuses_a_link_that_is_malformed_or_on_another_scheme(
    learner, key_action, url, message
):
    with pytest.raises(services.EvidenceRefused) as refused:
        services.submit_evidence(learner=learner, key_action=key_action, evidence=evidence(url=url))
    assert message in refused.value.errors["url"][0]
    assert not Submission.objects.exists()


def test_even_a_draft_refuses_a_link_that_is_not_on_the_web(learner, key_action):
    with pytest.raises(services.EvidenceRefused):
        services.submit_evidence(
            learner=learner,
            key_action=key_action,
            evidence=evidence(url="javascript:alert(1)"),
            draft=True,
        )
    assert not Submission.objects.exists()


def test_it_refuses_an_empty_writeup(learner, key_action):
    with pytest.raises(services.EvidenceRefused) as refused:
        services.submit_evidence(
            learner=learner, key_action=key_action, evidence=evidence(writeup="  \n ")
        )
    assert "write-up is empty" in refused.value.errors["writeup"][0]


def test_the_checker_is_injectable_and_a_warning_does_not_block(learner, key_action):
    fetched = []

    def fake_fetch(url):
        fetched.append(url)
        return 404

    submission = services.submit_evidence(
        learner=learner,
        key_action=key_action,
        evidence=evidence(),
        checker=reachability_checker(fake_fetch),
    )
    assert fetched == ["https://github.com/learner/project"]
    assert submission.state == State.SUBMITTED
    warning = submission.rounds.get().prechecks[-1]
    assert warning["passed"] is False and warning["blocking"] is False


def test_a_blocking_check_from_an_injected_checker_refuses(learner, key_action):
    def strict(*, url, writeup):
        return [Check("link", False, "Repository is private.")]

    with pytest.raises(services.EvidenceRefused) as refused:
        services.submit_evidence(
            learner=learner, key_action=key_action, evidence=evidence(), checker=strict
        )
    assert refused.value.errors["url"] == ["Repository is private."]


def test_it_refuses_a_key_action_that_needs_no_evidence(learner, track):
    action = track.phases.get(order=1).key_actions.get(order=2)
    with pytest.raises(services.EvidenceRefused):
        services.submit_evidence(learner=learner, key_action=action, evidence=evidence())


def test_it_refuses_a_second_live_submission_for_the_same_key_action(
    submitted, learner, key_action
):
    with pytest.raises(services.EvidenceRefused, match="already have evidence"):
        services.submit_evidence(learner=learner, key_action=key_action, evidence=evidence())
    services.withdraw(submission=submitted)
    again = services.submit_evidence(learner=learner, key_action=key_action, evidence=evidence())
    assert again.state == State.SUBMITTED


def test_a_resubmission_keeps_every_round(claimed, mentor, rubric):
    rubric = fresh_rubric(rubric)
    services.review(
        submission=claimed,
        mentor=mentor,
        verdict="request_changes",
        feedback="Add tests.",
        levels=levels_for(rubric, {"Working code": 1, "Explanation": 2}),
        rubric=rubric,
    )
    round_2 = services.resubmit(submission=claimed, evidence=evidence(writeup="Now with tests."))
    claimed.refresh_from_db()
    assert claimed.state == State.SUBMITTED and round_2.number == 2
    first, second = claimed.rounds.order_by("number")
    assert first.writeup == "I trained a **classifier** and deployed it."
    assert first.review.feedback == "Add tests."
    assert second.writeup == "Now with tests."


@pytest.mark.parametrize(
    ("action", "from_state"),
    [
        ("resubmit", State.SUBMITTED),  # no changes were requested
        ("withdraw", State.APPROVED),
        ("withdraw", State.WITHDRAWN),
        ("claim", State.DRAFT),
        ("claim", State.APPROVED),
        ("claim", State.CHANGES_REQUESTED),
        ("update_draft", State.SUBMITTED),
    ],
)
def test_illegal_transitions_are_refused(submitted, mentor, action, from_state):
    Submission.objects.filter(pk=submitted.pk).update(state=from_state)
    submitted.refresh_from_db()
    with pytest.raises(services.IllegalTransition):
        if action == "resubmit":
            services.resubmit(submission=submitted, evidence=evidence())
        elif action == "withdraw":
            services.withdraw(submission=submitted)
        elif action == "claim":
            services.claim(submission=submitted, mentor=mentor)
        else:
            services.update_draft(submission=submitted, evidence=evidence(), send=True)
    assert Submission.objects.get(pk=submitted.pk).state == from_state


def test_a_stale_copy_cannot_withdraw_an_approved_submission(submitted):
    stale = Submission.objects.get(pk=submitted.pk)
    Submission.objects.filter(pk=submitted.pk).update(state=State.APPROVED)
    with pytest.raises(services.IllegalTransition):
        services.withdraw(submission=stale)  # the conditional UPDATE refuses it
    assert Submission.objects.get(pk=submitted.pk).state == State.APPROVED
