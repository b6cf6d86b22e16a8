"""The flashcard and resource models of the Learning Center: decks and cards (authored,
matched by key, retired rather than deleted), a learner's deck studies, FSRS card states and
review log, and resources marked done. Imported (and re-exported) by quizzes.models, so
Django registers them with the app and callers keep `from quizzes.models import Card`."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tracks.models import Phase, Resource, Skill


class Deck(models.Model):
    phase = models.OneToOneField(Phase, on_delete=models.CASCADE, related_name="deck")
    title = models.CharField(max_length=160)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.title


class Card(models.Model):
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="cards")
    key = models.SlugField(help_text="Stable identity within the deck, used by track files.")
    order = models.PositiveSmallIntegerField(default=1)
    front = models.TextField()
    back = models.TextField()
    skills = models.ManyToManyField(Skill, related_name="cards", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["deck", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deck", "key"], name="card_key_unique"),
        ]

    def __str__(self) -> str:
        return self.front[:80]


class DeckStudy(models.Model):
    """A learner studies a deck: its new cards enter their daily review session."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deck_studies"
    )
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="studies")
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "deck studies"
        constraints = [
            models.UniqueConstraint(fields=["learner", "deck"], name="deck_study_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} studies {self.deck}"


class CardState(models.Model):
    """The FSRS state of one card for one learner (absent: the card is new to them)."""

    class State(models.IntegerChoices):
        # The values of fsrs.State.
        LEARNING = 1, "Learning"
        REVIEW = 2, "Review"
        RELEARNING = 3, "Relearning"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="card_states"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="states")
    state = models.PositiveSmallIntegerField(choices=State.choices)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, help_text="First review.")

    class Meta:
        # The card in the index too: counting a learner's cards due (the reminders' cards
        # due, the review queue) is an index-only scan.
        indexes = [models.Index(fields=["learner", "due", "card"], name="card_state_due")]
        constraints = [
            models.UniqueConstraint(fields=["learner", "card"], name="card_state_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.card} for {self.learner}"


class ReviewLog(models.Model):
    """Append-only: one rating of one card by one learner, and what FSRS made of it."""

    class Rating(models.IntegerChoices):
        # The values of fsrs.Rating.
        AGAIN = 1, "Again"
        HARD = 2, "Hard"
        GOOD = 3, "Good"
        EASY = 4, "Easy"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_logs"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="review_logs")
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField()
    state_before = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=CardState.State.choices, help_text="Empty: a new card."
    )
    due_after = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        indexes = [
            models.Index(fields=["learner", "-reviewed_at"]),
            models.Index(fields=["learner", "card"]),
        ]

    def __str__(self) -> str:
        return f"{self.card} rated {self.get_rating_display()}"

    @property
    def recalled(self) -> bool:
        return self.rating != self.Rating.AGAIN


# --- Resources ------------------------------------------------------------------------------


class ResourceCompletion(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resource_completions"
    )
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "resource"], name="resource_done_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} did {self.resource}"
