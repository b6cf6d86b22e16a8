"""Mentors, evidence submissions and their rounds, rubrics, reviews and escalations.

A submission is one learner's evidence for one key action that needs it. Each time it is
sent to mentors a new *round* is written and never changed afterwards; reviews score a
round against the rubric of its phase (or of its key action). The state machine lives in
`mentors.services`; nothing else changes `Submission.state`.
"""

import uuid
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from tracks.models import KeyAction, Phase, Track


class MentorProfile(models.Model):
    """A user who reviews evidence for the tracks they cover."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_profile"
    )
    tracks = models.ManyToManyField(Track, related_name="mentor_profiles", blank=True)
    weekly_capacity = models.PositiveSmallIntegerField(
        default=10, help_text="Reviews this mentor means to do in a week."
    )
    is_active = models.BooleanField(default=True)
    is_fallback_reviewer = models.BooleanField(
        "fallback reviewer",
        default=False,
        help_text=(
            "Staff only: also reviews evidence of every track that no active mentor covers, "
            "so no learner's work waits for nobody."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"Mentor {self.user}"

    def clean(self) -> None:
        if self.is_fallback_reviewer and not self.user.is_staff:
            raise ValidationError(
                {"is_fallback_reviewer": "Only staff users can be fallback reviewers."}
            )


class MentorAssignment(models.Model):
    """Who reviews a learner's evidence on a track: one mentor, or (mentor empty) the pool.

    A learner without an assignment is in the track's shared pool.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_assignments"
    )
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="mentor_assignments")
    mentor = models.ForeignKey(
        MentorProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
        help_text="Empty: the track's shared pool.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "track"], name="assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.track}: {self.mentor or 'shared pool'}"


class Rubric(models.Model):
    """How evidence is judged: for a whole phase, or for one key action (which wins)."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="rubrics")
    key_action = models.ForeignKey(
        KeyAction,
        on_delete=models.CASCADE,
        related_name="rubrics",
        null=True,
        blank=True,
        help_text="Empty: the rubric of every key action of the phase without its own.",
    )
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["phase__track", "phase__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase"],
                condition=models.Q(key_action__isnull=True),
                name="rubric_one_per_phase",
            ),
            models.UniqueConstraint(
                fields=["key_action"],
                condition=models.Q(key_action__isnull=False),
                name="rubric_one_per_key_action",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.key_action_id and self.phase_id and self.key_action.phase_id != self.phase_id:
            raise ValidationError({"key_action": "This key action belongs to another phase."})


class RubricCriterion(models.Model):
    """One thing a review scores, on levels; `pass_score` is the lowest level that passes."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    pass_score = models.PositiveSmallIntegerField(
        help_text="The score of the lowest level that passes; one of the levels below."
    )

    class Meta:
        ordering = ["rubric", "order", "id"]
        verbose_name_plural = "rubric criteria"
        constraints = [
            models.UniqueConstraint(fields=["rubric", "order"], name="criterion_order_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class RubricLevel(models.Model):
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.CASCADE, related_name="levels")
    score = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=60)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["criterion", "score"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "score"], name="level_score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.score} · {self.label}"

    @property
    def passes(self) -> bool:
        return self.score >= self.criterion.pass_score


class Submission(models.Model):
    """One learner's evidence for one key action, through all its rounds."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for a mentor"
        IN_REVIEW = "in_review", "In review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    WAITING_STATES = (State.SUBMITTED, State.IN_REVIEW)
    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.IN_REVIEW, State.CHANGES_REQUESTED)

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    key_action = models.ForeignKey(KeyAction, on_delete=models.PROTECT, related_name="submissions")
    # Denormalized from key_action so the queue filters and orders on one table.
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="submissions")
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="submissions")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    # When the current round was sent: the queue's order and the promise's clock.
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The claim: a lock taken and extended by conditional UPDATEs (see services.claim).
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claimed_submissions",
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    # Set when the current round waited past the promise; cleared by a resubmission.
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The in-app notification: set by a review, cleared when the learner opens the page.
    review_unseen = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One live submission per learner and key action; a withdrawn one can be redone.
            models.UniqueConstraint(
                fields=["learner", "key_action"],
                condition=~models.Q(state="withdrawn"),
                name="submission_one_live_per_key_action",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "track", "submitted_at"], name="queue_idx"),
            # The review queue, oldest first: an ordered scan that stops at a page's rows
            # however long the queue (the condition is WAITING_STATES).
            models.Index(
                fields=["submitted_at", "id"],
                condition=models.Q(state__in=["submitted", "in_review"]),
                name="waiting_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.key_action}"

    def get_absolute_url(self) -> str:
        return reverse("mentors:submission", kwargs={"pk": self.pk})

    def claim_is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.state == self.State.IN_REVIEW
            and self.claim_expires_at is not None
            and self.claim_expires_at > now
        )

    def promised_by(self):
        if self.submitted_at is None:
            return None
        return self.submitted_at + timedelta(hours=settings.EVIDENCE_REVIEW_PROMISE_HOURS)

    @property
    def is_waiting(self) -> bool:
        return self.state in self.WAITING_STATES


class SubmissionRound(models.Model):
    """What the learner sent one time. Written once when sent; a draft round may be edited."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    url = models.URLField("link", max_length=500, blank=True)
    writeup = models.TextField("write-up")
    note = models.TextField("what I want feedback on", blank=True)
    prechecks = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="round_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Round {self.number} of {self.submission}"


def evidence_upload_to(instance: "SubmissionFile", filename: str) -> str:
    # An unguessable folder; files are only ever served through an access-checked view.
    return f"evidence/{uuid.uuid4().hex}/{PurePath(filename).name}"


class SubmissionFile(models.Model):
    """A file of a round, kept in the default storage (object storage in production)."""

    round = models.ForeignKey(SubmissionRound, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=evidence_upload_to, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)

    class Meta:
        ordering = ["round", "id"]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """A mentor's verdict on one round. A round gets at most one review."""

    class Verdict(models.TextChoices):
        APPROVE = "approve", "Approve"
        REQUEST_CHANGES = "request_changes", "Request changes"

    round = models.OneToOneField(SubmissionRound, on_delete=models.CASCADE, related_name="review")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    feedback = models.TextField()
    rubric = models.ForeignKey(
        Rubric, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the round was sent, copied so waiting-time statistics need no join.
    waited = models.DurationField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} by {self.mentor}"

    @property
    def approved(self) -> bool:
        return self.verdict == self.Verdict.APPROVE


class ReviewScore(models.Model):
    """The level a review gave one criterion; score and pass score copied as they were."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(RubricLevel, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    pass_score = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["review", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_one_per_criterion"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"

    @property
    def passes(self) -> bool:
        return self.score >= self.pass_score


class Escalation(models.Model):
    """A round that waited past the review promise. One per round: escalating is once."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="escalations")
    round = models.OneToOneField(
        SubmissionRound, on_delete=models.CASCADE, related_name="escalation"
    )
    escalated_at = models.DateTimeField()

    class Meta:
        ordering = ["-escalated_at"]

    def __str__(self) -> str:
        return f"Escalated {self.round} at {self.escalated_at:%Y-%m-%d %H:%M}"
