"""The flashcard rules: studying a deck and rating a card, scheduled by FSRS under the daily
caps. Keyword-only; each says whether it is safe to call twice. Re-exported by
quizzes.services, so callers keep `services.study_deck` and `services.review_card`."""

from dataclasses import dataclass
from datetime import UTC, datetime

import fsrs
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone

from accounts.models import User
from quizzes.errors import LearningRefused
from quizzes.models import Card, CardState, Deck, DeckStudy, ReviewLog
from quizzes.review_queue import review_allowance
from tracks.progression import advance_after_commit
from tracks.services import record_study


@dataclass(frozen=True)
class DeckStudied:
    study: DeckStudy
    new_cards: int  # the deck's cards still new to the learner
    new_today: int  # how many of them today's new-card allowance can take


def study_deck(*, learner: User, deck: Deck, now: datetime | None = None) -> DeckStudied:
    """Add a deck's new cards to the learner's daily reviews, within the new-card cap.

    The cards are not all due at once: the review queue offers new cards up to
    FLASHCARDS_NEW_PER_DAY a day across every deck studied (and `review_card` refuses past
    it), so studying a deck says how many start today. Safe to call twice.
    """
    now = now or timezone.now()
    study, _ = DeckStudy.objects.get_or_create(learner=learner, deck=deck)
    new_cards = deck.cards.filter(is_active=True).exclude(states__learner=learner).count()
    left = review_allowance(learner=learner, now=now).new_left
    return DeckStudied(study, new_cards, min(new_cards, left))


def scheduler() -> fsrs.Scheduler:
    """FSRS with desired retention 0.9; fuzzing follows the FSRS_ENABLE_FUZZING setting."""
    return fsrs.Scheduler(desired_retention=0.9, enable_fuzzing=settings.FSRS_ENABLE_FUZZING)


def _utc(value: datetime) -> datetime:
    # fsrs accepts datetime.timezone.utc and nothing else (not zoneinfo's UTC).
    return value.astimezone(UTC)


def to_fsrs_card(state: CardState | None, *, card_id: int, now: datetime) -> fsrs.Card:
    if state is None:
        return fsrs.Card(card_id=card_id, due=_utc(now))
    return fsrs.Card(
        card_id=card_id,
        state=fsrs.State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=_utc(state.due),
        last_review=_utc(state.last_review) if state.last_review else None,
    )


def review_card(
    *,
    learner: User,
    card: Card,
    rating: int,
    expected_reps: int,
    now: datetime | None = None,
    duration_ms: int | None = None,
) -> ReviewLog | None:
    """Rate a card (1 Again ... 4 Easy), schedule it with FSRS and log the review.

    By the schedule: a card is rated only when due (a card FSRS scheduled for later is
    refused with LearningRefused, never logged, so re-rating cannot shorten its intervals or
    pile up "recalls"), and within the daily caps counted at rating time, per learner day
    (the site's time zone): FLASHCARDS_NEW_PER_DAY first reviews of new cards and
    FLASHCARDS_REVIEWS_PER_DAY reviews of cards in the review state (learning steps are
    never capped). The learner's row is locked so two tabs cannot both take the last place.

    `expected_reps` is the number of reviews the learner had made of this card when it was
    shown: a replayed or doubled POST finds a different count (under a row lock, or the unique
    (learner, card) constraint for a first review) and changes nothing, returning None.
    """
    now = _utc(now or timezone.now())
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=learner.pk).values_list("pk").get()
        state = CardState.objects.select_for_update().filter(learner=learner, card=card).first()
        if (state.reps if state else 0) != expected_reps:
            return None
        if state is not None and state.due > now:
            when = formats.date_format(timezone.localtime(state.due), "j F Y, H:i")
            raise LearningRefused(
                f"This card is not due until {when}: cards are rated when the schedule brings "
                "them back, so the next review measures recall after that gap."
            )
        allowance = review_allowance(learner=learner, now=now)
        if state is None and not allowance.new_left:
            raise LearningRefused(
                f"You have started {settings.FLASHCARDS_NEW_PER_DAY} new cards today, the "
                "daily limit: new cards continue tomorrow."
            )
        if (
            state is not None
            and state.state == CardState.State.REVIEW
            and not (allowance.reviews_left)
        ):
            raise LearningRefused(
                f"You have made {settings.FLASHCARDS_REVIEWS_PER_DAY} reviews today, the daily "
                "limit: the rest wait for tomorrow."
            )
        before = state.state if state else None
        scheduled, _ = scheduler().review_card(
            to_fsrs_card(state, card_id=card.pk, now=now), fsrs.Rating(rating), review_datetime=now
        )
        fields = {
            "state": scheduled.state.value,
            "step": scheduled.step,
            "stability": scheduled.stability,
            "difficulty": scheduled.difficulty,
            "due": scheduled.due,
            "last_review": scheduled.last_review,
        }
        if state is None:
            try:
                with transaction.atomic():
                    CardState.objects.create(
                        learner=learner, card=card, reps=1, created_at=now, **fields
                    )
            except IntegrityError:
                return None
        else:
            lapsed = before == CardState.State.REVIEW and rating == ReviewLog.Rating.AGAIN
            CardState.objects.filter(pk=state.pk).update(
                reps=state.reps + 1, lapses=state.lapses + int(lapsed), **fields
            )
        advance_after_commit(learner_id=learner.pk, track_id=card.deck.phase.track_id)
        record_study(learner_id=learner.pk, at=now)
        return ReviewLog.objects.create(
            learner=learner,
            card=card,
            rating=rating,
            reviewed_at=now,
            state_before=before,
            due_after=scheduled.due,
            duration_ms=duration_ms,
        )
