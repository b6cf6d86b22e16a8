"""The Learning Center: quizzes and their item bank, attempts, per-skill mastery (Bayesian
Knowledge Tracing), flashcard decks with FSRS state per learner, and resources marked done.

The flashcard and resource models are in quizzes/flashcard_models.py (re-exported here).
Authored content (Quiz, Question, Choice, Deck, Card) is matched by `key` on import and is
retired (`is_active=False`) rather than deleted when it leaves the track file, so the evidence
learners recorded against it stays explainable. Learner records (Attempt, Response,
SkillMastery, MasteryEvent, CardState, ReviewLog, ResourceCompletion) belong to one learner
and are read through the lookup helpers of `quizzes.selectors`.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

# The flashcard and resource models live in their own module, re-exported here.
from quizzes.flashcard_models import (  # noqa: F401
    Card,
    CardState,
    Deck,
    DeckStudy,
    ResourceCompletion,
    ReviewLog,
)
from quizzes.rules import answer_problems, sentence
from tracks.models import Phase, Skill

# A skill counts as mastered when BKT's estimate reaches the Cognitive Tutor threshold *and*
# the evidence is broad enough: with the default parameters three lucky answers in a row
# already cross 0.95.
MASTERY_THRESHOLD = 0.95
MASTERY_MIN_RESPONSES = 4
MASTERY_MIN_QUESTIONS = 3

# Fresh items (docs/gates.md): an attempt never draws a question the learner was shown in an
# attempt of the same quiz started in the last FRESH_WINDOW, and skill mastery does not count
# a response to a question the learner already answered (counted) within it. A window in
# days, not in attempts: a memorizer cannot wait a few attempts to see an item again.
FRESH_WINDOW = timedelta(days=30)
# A skill the skill_mastery criterion measures is on at least this many assessment
# questions: mastery needs MASTERY_MIN_RESPONSES counted answers, and repeats do not count.
SKILL_MIN_QUESTIONS = 4

_probability = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class SkillParameters(models.Model):
    """The four Bayesian Knowledge Tracing parameters of one skill (defaults when absent)."""

    skill = models.OneToOneField(Skill, on_delete=models.CASCADE, related_name="bkt")
    p_init = models.FloatField(
        "p(L0)", default=0.25, validators=_probability, help_text="Known before any evidence."
    )
    p_transit = models.FloatField(
        "p(T)", default=0.15, validators=_probability, help_text="Learned at each opportunity."
    )
    p_guess = models.FloatField(
        "p(G) choice",
        default=0.25,
        validators=_probability,
        help_text="Right without knowing it, on single and multiple choice questions.",
    )
    p_guess_open = models.FloatField(
        "p(G) open",
        default=0.05,
        validators=_probability,
        help_text="Right without knowing it, on numeric and short-text questions.",
    )
    p_slip = models.FloatField(
        "p(S)", default=0.10, validators=_probability, help_text="Wrong despite knowing it."
    )

    class Meta:
        verbose_name = "BKT parameters"
        verbose_name_plural = "BKT parameters"
        constraints = [
            models.CheckConstraint(
                condition=Q(p_init__gte=0, p_init__lte=1)
                & Q(p_transit__gte=0, p_transit__lte=1)
                & Q(p_guess__gte=0, p_guess__lt=1)
                & Q(p_guess_open__gte=0, p_guess_open__lt=1)
                & Q(p_slip__gte=0, p_slip__lt=1),
                name="bkt_probabilities",
            ),
        ]

    def __str__(self) -> str:
        return f"BKT parameters of {self.skill}"

    def clean(self) -> None:
        # Guess + slip >= 1 would make a right answer evidence of *not* knowing the skill.
        errors = {}
        slip = self.p_slip or 0
        if (self.p_guess or 0) + slip >= 1:
            errors["p_guess"] = "p(G) + p(S) must stay below 1, or a right answer counts against."
        if (self.p_guess_open or 0) + slip >= 1:
            errors["p_guess_open"] = "p(G) + p(S) must stay below 1."
        if errors:
            raise ValidationError(errors)


# --- Item bank ------------------------------------------------------------------------------


class Quiz(models.Model):
    """The quiz of one phase: how an attempt is drawn from the bank and how often it may run."""

    phase = models.OneToOneField(Phase, on_delete=models.CASCADE, related_name="quiz")
    title = models.CharField(max_length=160)
    pass_mark = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)], help_text="Percent."
    )
    questions_per_attempt = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    time_limit_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: no limit."
    )
    cooldown_minutes = models.PositiveIntegerField(
        default=0, help_text="Wait between the end of an attempt and the start of the next."
    )
    attempts_per_day = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="At most this many attempts started in any 24 hours. Empty: unlimited.",
    )
    is_active = models.BooleanField(
        default=True, help_text="Retired quizzes keep their attempts but cannot be taken."
    )

    class Meta:
        verbose_name_plural = "quizzes"
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1, pass_mark__lte=100), name="quiz_pass_mark_percent"
            ),
            models.CheckConstraint(
                condition=Q(questions_per_attempt__gte=1), name="quiz_draws_questions"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        NUMERIC = "numeric", "Numeric"
        SHORT = "short", "Short text"

    class Pool(models.TextChoices):
        ASSESSMENT = "assessment", "Assessment (drawn by the quiz)"
        PRACTICE = "practice", "Practice only"

    class Difficulty(models.IntegerChoices):
        EASY = 1, "Easy"
        MEDIUM = 2, "Medium"
        HARD = 3, "Hard"

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(help_text="Stable identity within the quiz, used by track files.")
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    pool = models.CharField(max_length=12, choices=Pool.choices, default=Pool.ASSESSMENT)
    difficulty = models.PositiveSmallIntegerField(
        choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    skills = models.ManyToManyField(Skill, related_name="questions", blank=True)
    prompt = models.TextField()
    explanation = models.TextField(blank=True, help_text="Shown after grading.")
    answer = models.FloatField(null=True, blank=True, help_text="Numeric questions only.")
    tolerance = models.FloatField(
        default=0, validators=[MinValueValidator(0)], help_text="Absolute, numeric questions only."
    )
    accepted = models.JSONField(
        default=list,
        blank=True,
        help_text='Short-text questions: accepted answers, e.g. ["gradient descent", "sgd"]. '
        "Compared ignoring case and extra spaces.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["quiz", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "key"], name="question_key_unique"),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="question_tolerance"),
        ]

    def __str__(self) -> str:
        return self.prompt[:80]

    @property
    def is_choice(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)

    def clean(self) -> None:
        problems = answer_problems(
            kind=self.kind,
            answer=self.answer,
            tolerance=self.tolerance or 0,
            accepted=self.accepted if isinstance(self.accepted, list) else [],
        )
        if problems:
            raise ValidationError({field: sentence(p) for field, p in problems.items()})


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField(default=1)
    text = models.CharField(max_length=500)
    correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.text


# --- Attempts -------------------------------------------------------------------------------


class Attempt(models.Model):
    """One learner's sitting of a quiz: the questions drawn (seeded, stored) and the result."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        GRADED = "graded", "Graded"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    seed = models.BigIntegerField(help_text="Seed of the random draw of questions.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    timed_out = models.BooleanField(default=False, help_text="Graded after the time limit.")
    question_count = models.PositiveSmallIntegerField(default=0)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Percent, floored.")
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["learner", "quiz", "-started_at"]),
            # Attempts graded in a week, per learner (the reminders' weekly goal and digest):
            # an index-only scan.
            models.Index(
                fields=["learner", "graded_at", "started_at", "passed"], name="attempt_graded"
            ),
        ]
        constraints = [
            # At most one attempt in progress per learner and quiz: two "start" clicks at once
            # cannot open two attempts (and so cannot get around the daily limit).
            models.UniqueConstraint(
                fields=["learner", "quiz"],
                condition=Q(state="in_progress"),
                name="one_attempt_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.pk} at {self.quiz}"

    @property
    def is_graded(self) -> bool:
        return self.state == self.State.GRADED


class Response(models.Model):
    """One drawn question of an attempt and the learner's answer (graded at submission)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    order = models.PositiveSmallIntegerField()
    choice_order = models.JSONField(
        default=list,
        blank=True,
        help_text="Choice ids in the order this attempt shows them (shuffled at the draw).",
    )
    selected = models.JSONField(default=list, blank=True, help_text="Chosen choice ids.")
    text = models.CharField(max_length=300, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    correct = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "order"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "order"], name="response_order_unique"),
            models.UniqueConstraint(
                fields=["attempt", "question"], name="response_question_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.order} of attempt {self.attempt_id}"

    @property
    def is_answered(self) -> bool:
        return bool(self.selected) or bool(self.text.strip())

    def shown_choices(self) -> list["Choice"]:
        """The question's choices in this attempt's order (`question.choices` prefetched).
        Choices added after the draw come last; attempts drawn before shuffling existed keep
        the authored order."""
        rank = {pk: i for i, pk in enumerate(self.choice_order)}
        choices = list(self.question.choices.all())
        return sorted(choices, key=lambda c: (rank.get(c.pk, len(rank)), c.order, c.pk))


# --- Mastery --------------------------------------------------------------------------------


class SkillMastery(models.Model):
    """A learner's current BKT estimate of one skill, and how broad the evidence is."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skill_masteries"
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="masteries")
    p_known = models.FloatField(validators=_probability)
    responses = models.PositiveIntegerField(default=0)
    distinct_questions = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "skill masteries"
        constraints = [
            models.UniqueConstraint(fields=["learner", "skill"], name="mastery_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.skill}: {self.p_known:.2f}"

    @property
    def is_mastered(self) -> bool:
        return (
            self.p_known >= MASTERY_THRESHOLD
            and self.responses >= MASTERY_MIN_RESPONSES
            and self.distinct_questions >= MASTERY_MIN_QUESTIONS
        )

    @property
    def percent(self) -> int:
        return int(self.p_known * 100)


class MasteryEvent(models.Model):
    """Append-only trail: which graded response moved which estimate, from what to what.

    Every graded response to a tagged question leaves one event per skill. `counted` is False
    for a repeat, a response to a question the learner had a counted answer to within
    FRESH_WINDOW: it is kept for the trail but moves nothing (p_before == p_after).
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mastery_events"
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    correct = models.BooleanField()
    p_before = models.FloatField()
    p_after = models.FloatField()
    counted = models.BooleanField(
        default=True, help_text="False: a repeat within the fresh window, kept but not counted."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["learner", "skill", "-id"])]
        constraints = [
            models.UniqueConstraint(fields=["response", "skill"], name="mastery_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.skill}: {self.p_before:.2f} → {self.p_after:.2f}"
