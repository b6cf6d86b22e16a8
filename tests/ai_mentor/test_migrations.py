"""The AI mentor's tables moved from the mentors app to its own (mentors 0006, ai_mentor 0001
and 0002): a database with rows in the old tables keeps every one of them, and the admin's
permissions on them."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ai_mentor.models import (
    AIUsage,
    MentorConversation,
    MentorMessage,
    PracticeAnswer,
    PreReviewDraft,
)
from mentors.models import Submission, SubmissionRound

# The last state with the AI mentor's models in the mentors app.
BEFORE = [("mentors", "0005_remove_practice_settings"), ("ai_mentor", None)]
OLD_TABLES = {
    "mentors_mentorconversation",
    "mentors_mentormessage",
    "mentors_practiceanswer",
    "mentors_prereviewdraft",
    "mentors_aiusage",
}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_row_of_the_old_tables(learner, phase, key_action, rubric):
    question = phase.quiz.questions.get(key="practice-median")
    submission = Submission.objects.create(
        learner=learner,
        key_action=key_action,
        phase=key_action.phase,
        track=key_action.phase.track,
        state=Submission.State.SUBMITTED,
    )
    round = SubmissionRound.objects.create(
        submission=submission, number=1, writeup="My write-up.", submitted_at=timezone.now()
    )
    permission = Permission.objects.get(codename="view_aiusage")
    try:
        old = _migrate(BEFORE)
        assert set(connection.introspection.table_names()) >= OLD_TABLES
        conversation = old.get_model("mentors", "MentorConversation").objects.create(
            learner_id=learner.pk, phase_id=phase.pk
        )
        message = old.get_model("mentors", "MentorMessage")
        message.objects.create(conversation=conversation, role="learner", text="Why Docker?")
        message.objects.create(
            conversation=conversation,
            role="mentor",
            text="To ship the same image everywhere.",
            citations=[{"label": "Phase 2", "url": "/learn/", "excerpt": "Docker"}],
            backend="local",
        )
        old.get_model("mentors", "PracticeAnswer").objects.create(
            learner_id=learner.pk, question_id=question.pk, selected=[], text="7", correct=True
        )
        old.get_model("mentors", "PreReviewDraft").objects.create(
            round_id=round.pk, rubric_id=rubric.pk, backend="local", summary="Solid.", items=[]
        )
        old.get_model("mentors", "AIUsage").objects.create(
            user_id=learner.pk, backend="local", kind="explain", latency_ms=12
        )
    finally:
        _migrate(_latest())
    ContentType.objects.clear_cache()

    tables = set(connection.introspection.table_names())
    assert not OLD_TABLES & tables
    assert {"ai_mentor_mentorconversation", "ai_mentor_aiusage"} <= tables
    moved = MentorConversation.objects.get()
    assert (moved.pk, moved.learner, moved.phase) == (conversation.pk, learner, phase)
    assert list(moved.messages.values_list("role", "text")) == [
        ("learner", "Why Docker?"),
        ("mentor", "To ship the same image everywhere."),
    ]
    assert MentorMessage.objects.get(role="mentor").citations[0]["label"] == "Phase 2"
    answer = PracticeAnswer.objects.get()
    assert (answer.learner, answer.question, answer.text, answer.correct) == (
        learner,
        question,
        "7",
        True,
    )
    assert PreReviewDraft.objects.get().round == round
    assert SubmissionRound.objects.get(pk=round.pk).pre_review.summary == "Solid."
    assert AIUsage.objects.get().latency_ms == 12
    # Staff keep their permissions on the moved models: same rows, now of the new app.
    assert Permission.objects.get(pk=permission.pk).content_type.app_label == "ai_mentor"
    assert ContentType.objects.get_for_model(AIUsage).pk == permission.content_type_id
