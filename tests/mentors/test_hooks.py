"""The mentors core tells other apps of sent rounds through `hooks.round_sent` and never
imports them (the AI mentor hooks itself in from its AppConfig)."""

import pytest

from mentors import hooks, services
from tests.factories import evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    rounds = []

    def receiver(sender, *, round_id, **kwargs):
        rounds.append(round_id)

    hooks.round_sent.connect(receiver, dispatch_uid="test-hooks-heard")
    yield rounds
    hooks.round_sent.disconnect(dispatch_uid="test-hooks-heard")


def test_a_sent_round_is_announced_once_after_commit(
    learner, key_action, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission = services.submit_evidence(
            learner=learner, key_action=key_action, evidence=evidence()
        )
    assert heard == []  # not before the round is committed
    for callback in callbacks:
        callback()
    assert heard == [submission.rounds.get().pk]


def test_a_draft_is_not_announced(learner, key_action, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_evidence(
            learner=learner, key_action=key_action, evidence=evidence(), draft=True
        )
    assert heard == []


def test_a_failing_receiver_does_not_break_sending_evidence(
    learner, key_action, django_capture_on_commit_callbacks
):
    def broken(sender, **kwargs):
        raise RuntimeError("an add-on is down")

    hooks.round_sent.connect(broken, dispatch_uid="test-hooks-broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            submission = services.submit_evidence(
                learner=learner, key_action=key_action, evidence=evidence()
            )
    finally:
        hooks.round_sent.disconnect(dispatch_uid="test-hooks-broken")
    assert submission.state == submission.State.SUBMITTED
