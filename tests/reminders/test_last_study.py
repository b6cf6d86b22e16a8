"""The learner's last study time, kept on the active enrollment by the services that record
study (`tracks.services.record_study`), and its backfill from the rows recorded before it
existed: what the inactivity reminder reads."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db.models import DateTimeField, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from mentors import services as mentor_services
from mentors.models import Submission, SubmissionRound
from quizzes import services as quiz_services
from quizzes.models import Attempt, Response, ReviewLog
from reminders import selectors
from reminders.builtin import queries
from tests.factories import (
    enroll,
    evidence,
    learning_track,
    make_mentor,
    reviewed,
    single,
    utc,
    verified_user,
)
from tracks import services as track_services
from tracks.models import Enrollment, KeyActionProgress

pytestmark = pytest.mark.django_db

backfill_migration = importlib.import_module("tracks.migrations.0005_enrollment_last_studied_at")


@pytest.fixture
def track():
    track = learning_track(title="AI Engineering")
    quiz = track.phases.get(order=1).quiz
    for _ in range(quiz.questions_per_attempt):
        single(quiz)
    return track


@pytest.fixture
def enrollment(learner, track):
    return enroll(learner, track, at=utc(2026, 11, 16, 10))


def last_studied(enrollment) -> object:
    return Enrollment.objects.values_list("last_studied_at", flat=True).get(pk=enrollment.pk)


# --- Each kind of study moves it --------------------------------------------------------------


def test_a_new_enrollment_has_no_study_yet(enrollment):
    assert last_studied(enrollment) is None


def test_starting_a_quiz_attempt_is_study(learner, track, enrollment):
    at = timezone.now() - timedelta(hours=3)
    quiz_services.start_attempt(learner=learner, quiz=track.phases.get(order=1).quiz, now=at)
    assert last_studied(enrollment) == at


def test_saving_answers_is_study_and_an_unchanged_save_is_not(learner, track, enrollment):
    quiz = track.phases.get(order=1).quiz
    started = timezone.now() - timedelta(hours=3)
    attempt = quiz_services.start_attempt(learner=learner, quiz=quiz, now=started)
    response = attempt.responses.get(order=1)
    choice = response.question.choices.first()
    answers = {1: quiz_services.Answer(selected=[choice.pk], text="")}
    quiz_services.save_answers(attempt=attempt, answers=answers, now=started + timedelta(minutes=5))
    assert last_studied(enrollment) == started + timedelta(minutes=5)
    # The same answer again changes no response: the time stays where it was.
    quiz_services.save_answers(attempt=attempt, answers=answers, now=started + timedelta(minutes=9))
    assert last_studied(enrollment) == started + timedelta(minutes=5)


def test_grading_an_attempt_is_study(learner, track, enrollment):
    quiz = track.phases.get(order=1).quiz
    started = timezone.now() - timedelta(hours=3)
    attempt = quiz_services.start_attempt(learner=learner, quiz=quiz, now=started)
    quiz_services.grade_attempt(attempt=attempt, now=started + timedelta(minutes=20))
    assert last_studied(enrollment) == started + timedelta(minutes=20)


def test_reviewing_a_card_is_study(learner, track, enrollment):
    deck = track.phases.get(order=1).deck
    at = timezone.now() - timedelta(hours=1)
    quiz_services.study_deck(learner=learner, deck=deck)
    log = quiz_services.review_card(
        learner=learner, card=deck.cards.first(), rating=3, expected_reps=0, now=at
    )
    assert log is not None and last_studied(enrollment) == at


def test_ticking_a_key_action_is_study_and_unticking_is_not(enrollment):
    progress = KeyActionProgress.objects.filter(
        enrollment=enrollment, key_action__phase__order=1
    ).first()
    at = timezone.now() - timedelta(hours=2)
    track_services.set_key_action_done(progress=progress, done=True, now=at)
    assert last_studied(enrollment) == at
    track_services.set_key_action_done(progress=progress, done=False, now=at + timedelta(hours=1))
    assert last_studied(enrollment) == at


def test_drafting_sending_and_resending_evidence_are_study(learner, track, enrollment):
    action = track.phases.get(order=1).key_actions.get(order=1)
    base = timezone.now() - timedelta(days=2)
    submission = mentor_services.submit_evidence(
        learner=learner, key_action=action, evidence=evidence(), draft=True, now=base
    )
    assert last_studied(enrollment) == base
    mentor_services.update_draft(
        submission=submission, evidence=evidence(), send=True, now=base + timedelta(hours=1)
    )
    assert last_studied(enrollment) == base + timedelta(hours=1)
    reviewed(
        submission,
        make_mentor("mentor@test.example", track),
        at=base + timedelta(hours=5),
        verdict="request_changes",
    )
    submission.refresh_from_db()
    mentor_services.resubmit(
        submission=submission, evidence=evidence(), now=base + timedelta(hours=8)
    )
    assert last_studied(enrollment) == base + timedelta(hours=8)


def test_sending_evidence_at_once_is_study(learner, track, enrollment):
    action = track.phases.get(order=1).key_actions.get(order=1)
    at = timezone.now() - timedelta(hours=4)
    mentor_services.submit_evidence(learner=learner, key_action=action, evidence=evidence(), now=at)
    assert last_studied(enrollment) == at


# --- The rules of the column ------------------------------------------------------------------


def test_it_never_moves_back_and_stays_off_paused_enrollments(learner, track, enrollment):
    later, earlier = utc(2026, 11, 20, 18), utc(2026, 11, 19, 9)
    track_services.record_study(learner_id=learner.pk, at=later)
    track_services.record_study(learner_id=learner.pk, at=earlier)  # e.g. a late request
    assert last_studied(enrollment) == later
    other = enroll(learner, learning_track(title="ML Engineering"), at=utc(2026, 11, 21, 10))
    track_services.record_study(learner_id=learner.pk, at=utc(2026, 11, 22, 10))
    assert last_studied(enrollment) == later  # paused: its time stays as it was
    assert last_studied(other) == utc(2026, 11, 22, 10)


def test_recording_study_keeps_the_enrollment_restart_time(learner, enrollment):
    before = Enrollment.objects.values_list("updated_at", flat=True).get(pk=enrollment.pk)
    track_services.record_study(learner_id=learner.pk, at=utc(2026, 11, 20, 18))
    after = Enrollment.objects.values_list("updated_at", flat=True).get(pk=enrollment.pk)
    assert after == before


def test_another_learner_study_does_not_move_it(learner, track, enrollment):
    other = verified_user("other@test.example")
    enroll(other, track, at=utc(2026, 11, 16, 10))
    track_services.record_study(learner_id=other.pk, at=utc(2026, 11, 20, 18))
    assert last_studied(enrollment) is None


# --- The backfill -----------------------------------------------------------------------------


def _latest(queryset, field):
    return Subquery(
        queryset.filter(**{f"{field}__isnull": False}).order_by(f"-{field}").values(field)[:1],
        output_field=DateTimeField(),
    )


def old_last_study_at():
    """The inactivity reminder's definition before the column: seven subqueries."""
    learner = OuterRef("pk")
    anchor = F("enrolled_at")
    terms = [
        _latest(Attempt.objects.filter(learner=learner), "started_at"),
        _latest(Attempt.objects.filter(learner=learner), "graded_at"),
        _latest(Response.objects.filter(attempt__learner=learner), "answered_at"),
        _latest(ReviewLog.objects.filter(learner=learner), "reviewed_at"),
        _latest(KeyActionProgress.objects.filter(enrollment__learner=learner), "ticked_at"),
        _latest(SubmissionRound.objects.filter(submission__learner=learner), "created_at"),
        _latest(SubmissionRound.objects.filter(submission__learner=learner), "submitted_at"),
    ]
    return Greatest(anchor, *(Coalesce(term, anchor) for term in terms))


def _varied_learners(track) -> None:
    """Learners who studied in every way, one way, on another track, or not at all."""
    quiz = track.phases.get(order=1).quiz
    deck = track.phases.get(order=1).deck
    cards = list(deck.cards.all())
    other_track = learning_track(title="ML Engineering")
    action = track.phases.get(order=1).key_actions.get(order=1)
    for n in range(8):
        person = verified_user(f"learner{n}@test.example")
        day = utc(2026, 11, 10 + n, 9)
        if n == 6:  # studied on a track they then left: the switch is later than any of it
            enroll(person, track, at=utc(2026, 11, 1, 9))
            Attempt.objects.create(
                learner=person, quiz=quiz, seed=1, started_at=utc(2026, 11, 5, 9), state="graded"
            )
            enroll(person, other_track, at=utc(2026, 11, 8, 9))
            continue
        enroll(person, track, at=utc(2026, 11, 1, 9))
        if n == 7:
            continue  # never studied
        if n in (0, 1):
            attempt = Attempt.objects.create(
                learner=person,
                quiz=quiz,
                seed=n,
                started_at=day,
                graded_at=day + timedelta(minutes=15) if n == 0 else None,
                state="graded" if n == 0 else "in_progress",
            )
            Response.objects.create(
                attempt=attempt,
                question=quiz.questions.first(),
                order=1,
                answered_at=day + timedelta(minutes=30 if n == 1 else 5),
            )
        if n in (0, 2):
            for i, card in enumerate(cards[:3]):
                ReviewLog.objects.create(
                    learner=person,
                    card=card,
                    rating=3,
                    reviewed_at=day + timedelta(hours=n + i),
                    due_after=day + timedelta(days=3),
                )
        if n in (0, 3):
            KeyActionProgress.objects.filter(
                enrollment__learner=person, key_action__order=2
            ).update(ticked_at=day + timedelta(hours=4 - n))
        if n in (0, 4, 5):
            submission = Submission.objects.create(
                learner=person, key_action=action, phase=action.phase, track=track
            )
            round = SubmissionRound.objects.create(
                submission=submission,
                number=1,
                writeup="-",
                submitted_at=day + timedelta(hours=7) if n != 5 else None,
            )
            SubmissionRound.objects.filter(pk=round.pk).update(created_at=day + timedelta(hours=2))


def test_the_backfill_gives_every_learner_the_old_answer(track):
    _varied_learners(track)
    Enrollment.objects.update(last_studied_at=None)  # as before the migration
    backfill_migration.backfill(apps, None)
    rows = queries.learners(selectors.audience())
    old = dict(rows.annotate(at=old_last_study_at()).values_list("id", "at"))
    new = dict(rows.annotate(at=queries.last_study_at()).values_list("id", "at"))
    assert len(old) == 8 and len(set(old.values())) >= 6  # varied: not all the same answer
    assert new == old
