"""Reads of the flashcard review queue: what is due now across the decks a learner studies,
under the daily caps (FLASHCARDS_NEW_PER_DAY, FLASHCARDS_REVIEWS_PER_DAY). A fixed number of
queries whatever the number of cards. Re-exported by quizzes.selectors."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from quizzes.models import Card, CardState, ReviewLog
from tracks.models import Track


def day_start(now: datetime) -> datetime:
    """Midnight of the current day (the site's time zone until learners have their own)."""
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _due_states(learner: User, now: datetime) -> QuerySet[CardState]:
    return CardState.objects.filter(
        learner=learner,
        due__lte=now,
        card__is_active=True,
        card__deck__is_active=True,
        card__deck__phase__track__status=Track.Status.PUBLISHED,
    )


def _new_cards(learner: User) -> QuerySet[Card]:
    return Card.objects.filter(
        is_active=True,
        deck__is_active=True,
        deck__studies__learner=learner,
        deck__phase__track__status=Track.Status.PUBLISHED,
    ).exclude(states__learner=learner)


@dataclass(frozen=True)
class ReviewAllowance:
    new_left: int  # first reviews of new cards still allowed today
    reviews_left: int  # reviews of cards in the review state still allowed today


def review_allowance(*, learner: User, now: datetime) -> ReviewAllowance:
    """What is left of today's caps (one query). The queue and the rating service both use
    it, so the caps hold at rating time, not only in what the queue offers."""
    today = ReviewLog.objects.filter(learner=learner, reviewed_at__gte=day_start(now)).aggregate(
        new=Count("id", filter=Q(state_before__isnull=True)),
        reviews=Count("id", filter=Q(state_before=CardState.State.REVIEW)),
    )
    return ReviewAllowance(
        new_left=max(0, settings.FLASHCARDS_NEW_PER_DAY - today["new"]),
        reviews_left=max(0, settings.FLASHCARDS_REVIEWS_PER_DAY - today["reviews"]),
    )


@dataclass(frozen=True)
class ReviewQueue:
    card: Card | None
    state: CardState | None
    due_now: int
    held_back: int
    new_left_today: int
    reviews_left_today: int
    next_due: datetime | None

    @property
    def is_new(self) -> bool:
        return self.card is not None and self.state is None

    @property
    def reps(self) -> int:
        return self.state.reps if self.state else 0


def review_queue(
    *, learner: User, now: datetime | None = None, with_card: bool = True
) -> ReviewQueue:
    """The learner's cards due now across the decks they study, under the daily caps.

    Cards in learning or relearning steps are always due when their step ends; cards in review
    are capped at FLASHCARDS_REVIEWS_PER_DAY reviews a day and new cards at
    FLASHCARDS_NEW_PER_DAY, so a learner back from a break is not buried (`held_back` says how
    many wait for another day). At most six queries whatever the number of cards.
    """
    now = now or timezone.now()
    allowance = review_allowance(learner=learner, now=now)
    new_left, reviews_left = allowance.new_left, allowance.reviews_left
    due = _due_states(learner, now).aggregate(
        steps=Count("id", filter=~Q(state=CardState.State.REVIEW)),
        reviews=Count("id", filter=Q(state=CardState.State.REVIEW)),
    )
    new_total = _new_cards(learner).count()
    new_now = min(new_total, new_left)
    reviews_now = min(due["reviews"], reviews_left)
    due_now = due["steps"] + reviews_now + new_now
    held_back = (new_total - new_now) + (due["reviews"] - reviews_now)

    card = state = None
    if with_card and due_now:
        eligible = Q(state__in=[CardState.State.LEARNING, CardState.State.RELEARNING])
        if reviews_left:
            eligible |= Q(state=CardState.State.REVIEW)
        state = (
            _due_states(learner, now)
            .filter(eligible)
            .select_related("card__deck__phase__track")
            .order_by("due", "id")
            .first()
        )
        if state is not None:
            card = state.card
        elif new_now:
            card = (
                _new_cards(learner)
                .select_related("deck__phase__track")
                .order_by("deck__phase__track__title", "deck__phase__order", "order", "id")
                .first()
            )
    next_due = None
    if with_card and not due_now:
        next_due = (
            CardState.objects.filter(
                learner=learner, due__gt=now, card__is_active=True, card__deck__is_active=True
            )
            .order_by("due")
            .values_list("due", flat=True)
            .first()
        )
    return ReviewQueue(card, state, due_now, held_back, new_left, reviews_left, next_due)


def due_count(*, learner: User, now: datetime | None = None) -> int:
    """How many cards the learner can review now (what the dashboard shows)."""
    return review_queue(learner=learner, now=now, with_card=False).due_now
