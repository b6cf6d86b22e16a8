"""The Learning Center: a small quiz bank and deck built per test, and the records a learner
leaves there (graded attempts, cards in review, reviews of cards) written with the times a
test needs; each notes the study on the learner's active enrollment as the services do
(`tracks.services.record_study`)."""

from datetime import datetime, timedelta

import factory

from quizzes.models import (
    Attempt,
    Card,
    CardState,
    Choice,
    Deck,
    Question,
    Quiz,
    ReviewLog,
)
from quizzes.rules import BANK_FACTOR
from tests.factories.accounts import UserFactory
from tests.factories.tracks import PhaseFactory, SkillFactory
from tracks import services as track_services


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    phase = factory.SubFactory(PhaseFactory)
    title = factory.Sequence(lambda n: f"Quiz {n}")
    pass_mark = 80
    questions_per_attempt = 3


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    quiz = factory.SubFactory(QuizFactory)
    key = factory.Sequence(lambda n: f"question-{n}")
    order = factory.Sequence(lambda n: n + 1)
    kind = Question.Kind.SINGLE
    prompt = factory.Sequence(lambda n: f"Prompt number {n}?")
    explanation = factory.Sequence(lambda n: f"Explanation number {n}.")


def single(
    quiz: Quiz, *, skills=(), key=None, right="Right answer", wrong=("Wrong A", "Wrong B"), **fields
) -> Question:
    question = QuestionFactory(
        quiz=quiz, kind=Question.Kind.SINGLE, **({"key": key} if key else {}), **fields
    )
    Choice.objects.create(
        question=question, order=1, text=f"{right} ({question.key})", correct=True
    )
    for i, text in enumerate(wrong, start=2):
        Choice.objects.create(question=question, order=i, text=f"{text} ({question.key})")
    question.skills.set(skills)
    return question


def multiple(
    quiz: Quiz, *, skills=(), right=("Right 1", "Right 2"), wrong=("Wrong 1",), **fields
) -> Question:
    question = QuestionFactory(quiz=quiz, kind=Question.Kind.MULTIPLE, **fields)
    order = 0
    for text in right:
        order += 1
        Choice.objects.create(question=question, order=order, text=text, correct=True)
    for text in wrong:
        order += 1
        Choice.objects.create(question=question, order=order, text=text)
    question.skills.set(skills)
    return question


def numeric(quiz: Quiz, *, answer: float, tolerance: float = 0, skills=(), **fields) -> Question:
    question = QuestionFactory(
        quiz=quiz, kind=Question.Kind.NUMERIC, answer=answer, tolerance=tolerance, **fields
    )
    question.skills.set(skills)
    return question


def short(quiz: Quiz, *, accepted: list[str], skills=(), **fields) -> Question:
    question = QuestionFactory(quiz=quiz, kind=Question.Kind.SHORT, accepted=accepted, **fields)
    question.skills.set(skills)
    return question


def build_quiz(*, questions: int | None = None, per_attempt: int = 3, skill=None, **fields) -> Quiz:
    """A quiz on a published track's phase with `questions` single-choice questions (by
    default the smallest bank the authoring rule allows: BANK_FACTOR x per attempt)."""
    quiz = QuizFactory(questions_per_attempt=per_attempt, **fields)
    skill = skill or SkillFactory()
    for _ in range(BANK_FACTOR * per_attempt if questions is None else questions):
        single(quiz, skills=[skill])
    return quiz


class DeckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deck

    phase = factory.SubFactory(PhaseFactory)
    title = factory.Sequence(lambda n: f"Deck {n}")


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Card

    deck = factory.SubFactory(DeckFactory)
    key = factory.Sequence(lambda n: f"card-{n}")
    order = factory.Sequence(lambda n: n + 1)
    front = factory.Sequence(lambda n: f"Front of card {n}?")
    back = factory.Sequence(lambda n: f"Back of card {n}.")


def build_deck(*, cards: int = 3, **fields) -> Deck:
    deck = DeckFactory(**fields)
    for _ in range(cards):
        CardFactory(deck=deck)
    return deck


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


def graded_attempt(learner, quiz: Quiz, score: int) -> Attempt:
    """A graded attempt of ten questions scored `score`, graded now (no study noted)."""
    from django.utils import timezone

    return Attempt.objects.create(
        learner=learner,
        quiz=quiz,
        seed=1,
        state=Attempt.State.GRADED,
        graded_at=timezone.now(),
        question_count=10,
        correct_count=score // 10,
        score=score,
        passed=score >= quiz.pass_mark,
    )
