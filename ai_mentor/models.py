"""The AI mentor's own tables: conversations, practice answers, pre-review drafts, usage.

The AI mentor explains, gives practice and feedback, and drafts pre-reviews for human
mentors. Nothing here is evidence: no gate reads these tables. (They lived in the mentors app
until migration ai_mentor 0001, which took them over with their rows.)
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from mentors.models import Rubric, SubmissionRound
from tracks.models import Phase


class MentorConversation(models.Model):
    """A learner's conversation with the AI mentor about one phase. Deletable by the learner."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ai_conversations"
    )
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="ai_conversations")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "phase"], name="ai_conversation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} about {self.phase}"

    def get_absolute_url(self) -> str:
        return reverse("ai_mentor:conversation", kwargs={"pk": self.pk})


class MentorMessage(models.Model):
    """One turn: the learner's question (kept as data) or the mentor's answer with citations."""

    class Role(models.TextChoices):
        LEARNER = "learner", "Learner"
        MENTOR = "mentor", "AI mentor"

    conversation = models.ForeignKey(
        MentorConversation, on_delete=models.CASCADE, related_name="messages"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    text = models.TextField()
    # [{"label": "Phase 2 · ...", "url": "/learn/...", "excerpt": "..."}]
    citations = models.JSONField(default=list, blank=True)
    backend = models.CharField(max_length=20, blank=True)
    notice = models.CharField(max_length=300, blank=True, help_text="e.g. a fallback to local.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["conversation", "created_at", "id"]
        indexes = [
            # The panel reads the latest messages of one conversation (ORDER BY id DESC LIMIT),
            # whatever its length.
            models.Index(fields=["conversation", "id"], name="mentor_message_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.text[:60]}"

    @property
    def is_mentor(self) -> bool:
        return self.role == self.Role.MENTOR


class PracticeAnswer(models.Model):
    """One graded answer to a practice-pool question. Never an Attempt: no best score, no gate.

    `moves` is the trail of estimate changes from before practice stopped feeding estimates
    (always empty now: practice never writes `SkillMastery`).
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_answers"
    )
    question = models.ForeignKey(
        "quizzes.Question", on_delete=models.CASCADE, related_name="practice_answers"
    )
    selected = models.JSONField(default=list, blank=True)
    text = models.CharField(max_length=300, blank=True)
    correct = models.BooleanField()
    moves = models.JSONField(default=list, blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["learner", "-answered_at"])]

    def __str__(self) -> str:
        return (
            f"{self.learner} practised {self.question_id}: {'right' if self.correct else 'wrong'}"
        )


class PreReviewDraft(models.Model):
    """The AI mentor's suggested rubric assessment of one round, for the human mentor only.

    `items`: [{"criterion": id, "level": id | None, "comment": str, "passage": str}]. One per
    round (unique): drafting twice keeps the first. Learners never see it; the verdict is
    always the human mentor's.
    """

    round = models.OneToOneField(
        SubmissionRound, on_delete=models.CASCADE, related_name="pre_review"
    )
    rubric = models.ForeignKey(
        Rubric, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    backend = models.CharField(max_length=20)
    summary = models.TextField(blank=True)
    items = models.JSONField(default=list, blank=True)
    notice = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "AI pre-review draft"

    def __str__(self) -> str:
        return f"AI draft for {self.round}"


class AIUsage(models.Model):
    """One call of the AI mentor: which backend answered, for what, how long it took."""

    class Kind(models.TextChoices):
        EXPLAIN = "explain", "Explain"
        PRACTICE = "practice", "Practice"
        FEEDBACK = "feedback", "Feedback"
        PRE_REVIEW = "pre_review", "Pre-review"

    class Outcome(models.TextChoices):
        OK = "ok", "Answered"
        FALLBACK = "fallback", "Fell back to local"
        NOTHING_FOUND = "nothing_found", "Nothing relevant found"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ai_usage",
    )
    backend = models.CharField(max_length=20)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.OK)
    latency_ms = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "AI usage"
        verbose_name_plural = "AI usage"
        indexes = [models.Index(fields=["backend", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.backend} {self.kind} at {self.created_at:%Y-%m-%d %H:%M}"
