"""The card_retention criterion kind: flashcards recalled weeks apart, counted inside the
enrollment's evidence window (docs/gates.md). Registered by quizzes.gates.register."""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Card, CardState, ReviewLog
from tracks import gates
from tracks.models import Enrollment, Phase


def phase_link(phase: Phase) -> str:
    """The phase's Learning Center, where its quiz and deck are."""
    return reverse("quizzes:phase", args=[phase.track.slug, phase.slug])


def _check_deck(phase: Phase, params: dict[str, int]) -> list[str]:
    deck = getattr(phase, "deck", None)
    if deck is None or not deck.is_active or not deck.cards.filter(is_active=True).exists():
        return [f"{phase} has no flashcard deck with cards"]
    return []


# A card counts as retained when the learner recalled it at a review that came at least this
# many days after their review before. Ratings are self-reported and cannot be checked, so
# the criterion is defended by time: FSRS brings a card back only when due, a not-due card
# cannot be rated, and no run of ratings, however "Easy", produces a 21-day gap sooner than
# 21 days. A learner who rates honestly (Good) sees gaps of about 3, 10 and 30 days.
RETENTION_INTERVAL_DAYS = 21


def card_retention_minimum_days(params: dict[str, int]) -> int:
    """The fewest days after a first review in which card_retention can be met: the gap its
    `interval_days` parameter asks between the review before and the recall (for plans)."""
    return params.get("interval_days", RETENTION_INTERVAL_DAYS)


def _card_retention(
    enrollment: Enrollment, phase: Phase, params: dict[str, int]
) -> gates.CriterionResult:
    share, interval = params["share"], params["interval_days"]
    learner_id = enrollment.learner_id
    window = gates.evidence_window(enrollment)
    cards = Card.objects.filter(deck__phase=phase, deck__is_active=True, is_active=True)
    total = cards.count()
    in_window = ReviewLog.objects.filter(learner_id=learner_id).filter(window.q("reviewed_at"))
    # A recall (any rating but Again) at a review that came `interval` days or more after the
    # review before it, both inside the evidence window: memory across weeks, not a sitting.
    previous = (
        in_window.filter(card=OuterRef("card"), reviewed_at__lt=OuterRef("reviewed_at"))
        .order_by("-reviewed_at")
        .values("reviewed_at")[:1]
    )
    spaced = (
        in_window.filter(card=OuterRef("card"))
        .exclude(rating=ReviewLog.Rating.AGAIN)
        .annotate(previous=Subquery(previous))
        .filter(previous__lte=F("reviewed_at") - timedelta(days=interval))
    )
    figures = CardState.objects.filter(learner_id=learner_id, card__in=cards).aggregate(
        studied=Count("id"),
        # Still remembered: not lapsed back into relearning since.
        retained=Count("id", filter=Q(state=CardState.State.REVIEW) & Q(Exists(spaced))),
        last=Max("last_review"),
        due_now=Count("id", filter=Q(due__lte=Now())),
        next_due=Min("due"),
        falls_due=Min("due", filter=Q(due__gt=Now())),  # when `due_now` next grows
    )
    retained = figures["retained"]
    needed = -(-total * share // 100)  # ceiling: 80 % of 16 cards is 13
    met = total > 0 and retained >= needed
    if met:
        sentence = f"{retained} of {total} cards recalled after a {interval}-day gap: met."
    else:
        sentence = (
            f"{retained} of {total} cards recalled after a gap of {interval} days or more: "
            f"{needed} needed. {figures['studied']} of {total} studied so far; a card counts "
            f"at the first review that comes {interval}+ days after the one before."
        )
    return gates.CriterionResult(
        kind="card_retention",
        label=f"Flashcards recalled after {interval}+ days",
        met=met,
        current=f"{retained} of {total} cards",
        required=f"{needed} cards ({share} %)",
        sentence=sentence,
        progress=retained / needed if needed else 0.0,
        # Before the first card, the review page would be empty: the deck starts on its phase.
        link=reverse("quizzes:review") if figures["studied"] else phase_link(phase) + "#deck-title",
        link_label="Review flashcards" if figures["studied"] else "Start the flashcards",
        evidence={
            "retained": retained,
            "studied": figures["studied"],
            "total": total,
            "share": share,
            "interval_days": interval,
            "last_review": figures["last"].isoformat() if figures["last"] else None,
            "due": figures["due_now"],
            "next_due": figures["next_due"].isoformat() if figures["next_due"] else None,
        },
        valid_until=figures["falls_due"],
    )


def _card_retention_days(phase: Phase, params: dict[str, int]) -> int:
    """New cards enter at FLASHCARDS_NEW_PER_DAY a day, and each card needed must then be
    recalled after the criterion's gap (`card_retention_minimum_days`): the plan does not
    bank on an Easy self-rating claiming a long memory on day one."""
    window = card_retention_minimum_days(params)
    total = Card.objects.filter(deck__phase=phase, deck__is_active=True, is_active=True).count()
    needed = -(-total * params.get("share", 100) // 100)
    per_day = max(settings.FLASHCARDS_NEW_PER_DAY, 1)
    # The last card needed is first seen on day ceil(needed / per_day) and recalled `window`
    # days later: that day belongs to the phase too.
    return math.ceil(needed / per_day) + max(window, 1) if needed else 0


def _card_next_step(
    enrollment: Enrollment, phase: Phase, result: gates.CriterionResult
) -> gates.NextStep | None:
    """Due cards first (they fade); a deck never opened is started on its phase page."""
    facts = result.evidence
    if result.met:
        return None
    if facts.get("due"):
        n = facts["due"]
        return gates.NextStep(
            label=f"Review {n} due card{'s' if n != 1 else ''}",
            url=reverse("quizzes:review"),
            reason=f"Cards fade if they wait: {result.sentence}",
            rank=gates.RANK_DUE,
        )
    if not facts.get("studied"):
        return gates.NextStep(
            label="Start the flashcards",
            url=result.link,
            reason="The gate needs cards you remember after days away: start the deck today.",
            rank=gates.RANK_START,
        )
    next_due = timezone.localtime(datetime.fromisoformat(facts["next_due"]))
    return gates.NextStep(
        label="Follow your flashcards",
        url=phase_link(phase) + "#deck-title",
        reason=f"No card is due: the next one is on {next_due:%a %d %b, %H:%M}.",
        rank=gates.RANK_WAIT,
        waiting=True,
    )


CARD_RETENTION = gates.CriterionKind(
    key="card_retention",
    label="Flashcards recalled weeks apart",
    description=(
        "At least `share` % of the phase's cards were recalled (rated Hard, Good or Easy) at a "
        "review that came `interval_days` (default 21) or more after the review before, both "
        "since enrolling, and have not lapsed since. Cards are rated only when due and within "
        "the daily caps, so it cannot be met in under `interval_days` days. Self-graded: a "
        "study-habit check, never a gate on its own."
    ),
    evaluate=_card_retention,
    params=(
        gates.Param("share", "Share of cards (%)", 80, 1, 100),
        gates.Param(
            "interval_days", "Gap before the recall (days)", RETENTION_INTERVAL_DAYS, 7, 365
        ),
    ),
    self_reported=True,
    check=_check_deck,
    summary=lambda params: (
        f"{params['share']} % of the flashcards recalled after {params['interval_days']}+ days"
    ),
    minimum_days=_card_retention_days,
    next_step=_card_next_step,
)
