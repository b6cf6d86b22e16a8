"""Learner data for the reminder kinds: enrollments, attempts, flashcards, evidence, reviews.

Enrollments go through the real goal service (plan, phase and key action rows as a learner
gets them); the records a learner leaves (attempts, reviews of cards, rounds of evidence,
mentor reviews) are written directly with the times a test needs, and each notes the study
on the learner's active enrollment as the services do (`tracks.services.record_study`).
"""

from datetime import datetime, timedelta

import factory

from mentors.models import MentorProfile, Review, Submission, SubmissionRound
from quizzes.models import Attempt, CardState, ReviewLog
from tests.conftest import verified_user
from tests.factories import UserFactory, build_track
from tests.quizzes.factories import QuizFactory, build_deck
from tracks import services as track_services
from tracks.models import Enrollment, KeyActionProgress, PhaseProgress, Track


def learning_track(**fields) -> Track:
    """A published track of two phases of two key actions; the first of each needs evidence;
    the first phase has a quiz and a deck of 12 cards."""
    track = build_track(phases=2, actions_per_phase=2, **fields)
    first = track.phases.get(order=1)
    for phase in track.phases.all():
        phase.key_actions.filter(order=1).update(needs_evidence=True)
    QuizFactory(phase=first)
    build_deck(cards=12, phase=first)
    return track


def enroll(
    learner, track, *, at: datetime, hours: int = 10, time_zone: str = "Europe/Paris"
) -> Enrollment:
    """Enroll through the goal service, as if on `at` (enrolled and last changed then)."""
    saved = track_services.save_goals(
        learner=learner,
        goals=track_services.GoalsInput(
            track=track,
            background="software-engineer",
            hours_per_week=hours,
            time_zone=time_zone,
        ),
        now=at,
    )
    Enrollment.objects.filter(pk=saved.enrollment.pk).update(created_at=at, updated_at=at)
    saved.enrollment.refresh_from_db()
    return saved.enrollment


def finish(enrollment: Enrollment, *, at: datetime) -> None:
    """Every phase of the enrollment mastered (as the progression service would leave it)."""
    PhaseProgress.objects.filter(enrollment=enrollment).update(
        state=PhaseProgress.State.MASTERED, unlocked_at=at, mastered_at=at
    )


def tick(enrollment: Enrollment, *, at: datetime, count: int = 1) -> None:
    """Tick the first `count` unticked key actions of the enrollment at `at`."""
    rows = KeyActionProgress.objects.filter(enrollment=enrollment, ticked_at=None).order_by(
        "key_action__phase__order", "key_action__order"
    )
    ids = list(rows.values_list("pk", flat=True)[:count])
    KeyActionProgress.objects.filter(pk__in=ids).update(ticked_at=at)
    if ids:
        track_services.record_study(learner_id=enrollment.learner_id, at=at)


class AttemptFactory(factory.django.DjangoModelFactory):
    """A graded attempt: started at `started_at`, graded `minutes` later."""

    class Meta:
        model = Attempt
        exclude = ["minutes"]

    learner = factory.SubFactory(UserFactory)
    quiz = factory.SubFactory(QuizFactory)
    seed = factory.Sequence(lambda n: n)
    state = Attempt.State.GRADED
    started_at = factory.LazyFunction(lambda: datetime.now().astimezone())
    minutes = 20
    graded_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(minutes=o.minutes))
    question_count = 3
    correct_count = 3
    score = 100
    passed = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        attempt = super()._create(model_class, *args, **kwargs)
        track_services.record_study(
            learner_id=attempt.learner_id,
            at=max(filter(None, [attempt.started_at, attempt.graded_at])),
        )
        return attempt


def due_cards(learner, deck, *, count: int, due: datetime) -> list[CardState]:
    """`count` cards of `deck` in review for `learner`, due at `due`."""
    return CardState.objects.bulk_create(
        CardState(
            learner=learner,
            card=card,
            state=CardState.State.REVIEW,
            stability=5.0,
            difficulty=5.0,
            due=due,
            last_review=due - timedelta(days=5),
            reps=2,
            created_at=due - timedelta(days=10),
        )
        for card in deck.cards.order_by("order")[:count]
    )


def card_reviews(learner, deck, *, count: int, at: datetime) -> list[ReviewLog]:
    """`count` reviews (rated Good) of the deck's cards at `at`, one a second."""
    cards = list(deck.cards.order_by("order"))
    if count:
        track_services.record_study(learner_id=learner.pk, at=at + timedelta(seconds=count - 1))
    return ReviewLog.objects.bulk_create(
        ReviewLog(
            learner=learner,
            card=cards[n % len(cards)],
            rating=ReviewLog.Rating.GOOD,
            reviewed_at=at + timedelta(seconds=n),
            state_before=CardState.State.REVIEW,
            due_after=at + timedelta(days=7),
        )
        for n in range(count)
    )


def mentor_of(track, email: str = "mentor@test.example", **extra):
    user = verified_user(email, **extra)
    MentorProfile.objects.create(user=user).tracks.add(track)
    return user


def sent_evidence(learner, key_action, *, at: datetime, escalated: bool = False) -> Submission:
    """A submission of one round sent to mentors at `at` and still waiting."""
    submission = Submission.objects.create(
        learner=learner,
        key_action=key_action,
        phase=key_action.phase,
        track=key_action.phase.track,
        state=Submission.State.SUBMITTED,
        submitted_at=at,
        escalated_at=at + timedelta(hours=48) if escalated else None,
    )
    SubmissionRound.objects.create(
        submission=submission, number=1, writeup="My work.", submitted_at=at
    )
    SubmissionRound.objects.filter(submission=submission).update(created_at=at)
    track_services.record_study(learner_id=learner.pk, at=at)
    return submission


def reviewed(submission: Submission, mentor, *, at: datetime, verdict: str) -> Review:
    """The current round of `submission` reviewed by `mentor` at `at`."""
    state = (
        Submission.State.APPROVED
        if verdict == Review.Verdict.APPROVE
        else Submission.State.CHANGES_REQUESTED
    )
    Submission.objects.filter(pk=submission.pk).update(state=state, review_unseen=True)
    round = submission.rounds.order_by("-number").first()
    return Review.objects.create(
        round=round, mentor=mentor, verdict=verdict, feedback="Well argued.", created_at=at
    )
