"""Tracks and what they are made of: phases, key actions, skills, resources, backgrounds;
the learners on them (enrollments, phase and key-action progress, calendar feeds); gates and
the audit trail.

Over ~400 lines, on purpose: one module holds the track's content and the learner's progress
on it because nearly every model points at both (a phase's gate, an enrollment's phases);
the duration labels and the gate wording it shows live elsewhere (`tracks.durations`,
`tracks.gates`). Split it into a `tracks/models/` package (content, learners, audit) the day
either half grows.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from tracks.durations import weeks_label


class Skill(models.Model):
    """A named competence, shared between tracks by slug."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, related_name="unlocks", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrackQuerySet(models.QuerySet["Track"]):
    def published(self) -> "TrackQuerySet":
        return self.filter(status=Track.Status.PUBLISHED)


class Track(models.Model):
    """An authored path toward a role, made of ordered phases."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class Difficulty(models.TextChoices):
        BEGINNER = "beginner", "Beginner"
        INTERMEDIATE = "intermediate", "Intermediate"
        ADVANCED = "advanced", "Advanced"

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=120)
    summary = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    target_role = models.CharField(max_length=120)
    difficulty = models.CharField(max_length=20, choices=Difficulty.choices)
    typical_duration = models.CharField(max_length=60, help_text='As people say it: "6-12 months".')
    day_in_the_life = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    skills = models.ManyToManyField(Skill, related_name="tracks", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrackQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tracks:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Phase(models.Model):
    """An ordered stage of a track with a typical duration range."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    slug = models.SlugField()
    title = models.CharField(max_length=160)
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    min_weeks = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    max_weeks = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    on_the_job = models.BooleanField(
        default=False,
        help_text="Time spent working in the role (e.g. growing to senior), not study: "
        "plans neither scale it by study hours nor count it toward landing the role.",
    )
    retired = models.BooleanField(
        default=False,
        help_text="Left the track file: hidden from new learners, kept for those enrolled "
        "and for their history.",
    )

    class Meta:
        ordering = ["track", "order"]
        constraints = [
            # A retired phase keeps its last order; the live ones may reuse it.
            models.UniqueConstraint(
                fields=["track", "order"],
                condition=models.Q(retired=False),
                name="phase_order_unique",
            ),
            models.UniqueConstraint(fields=["track", "slug"], name="phase_slug_unique"),
            models.CheckConstraint(
                condition=models.Q(min_weeks__lte=models.F("max_weeks")),
                name="phase_weeks_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Phase {self.order} · {self.title}"

    def get_absolute_url(self) -> str:
        return f"{self.track.get_absolute_url()}#phase-{self.order}"

    def clean(self) -> None:
        if self.min_weeks and self.max_weeks and self.min_weeks > self.max_weeks:
            raise ValidationError(
                {
                    "min_weeks": f"Phase {self.order}: minimum weeks {self.min_weeks} "
                    f"is above maximum {self.max_weeks}."
                }
            )

    @property
    def duration_label(self) -> str:
        label = weeks_label(self.min_weeks, self.max_weeks)
        return f"{label} on the job" if self.on_the_job else label


class KeyAction(models.Model):
    """A concrete thing to do in a phase; some need evidence a mentor reviews."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="key_actions")
    order = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    key = models.SlugField(
        max_length=80,
        blank=True,
        help_text="Stable identity within the phase, used by track files: learners' ticks "
        "and evidence follow the key, whatever the text or order becomes. Left empty, it is "
        "derived from the text.",
    )
    text = models.CharField(max_length=300)
    needs_evidence = models.BooleanField(
        default=False, help_text="A mentor must review work for this action."
    )
    skills = models.ManyToManyField(Skill, related_name="key_actions", blank=True)
    retired = models.BooleanField(
        default=False,
        help_text="Left the track file: hidden from new learners, kept for those enrolled "
        "and for their history.",
    )

    class Meta:
        ordering = ["phase", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "order"],
                condition=models.Q(retired=False),
                name="key_action_order_unique",
            ),
            models.UniqueConstraint(fields=["phase", "key"], name="key_action_key_unique"),
        ]

    def __str__(self) -> str:
        return self.text

    def save(self, *args, **kwargs) -> None:
        # Admin authors never type a key: it is derived from the text once, then kept.
        if not self.key:
            taken = set(
                KeyAction.objects.filter(phase_id=self.phase_id)
                .exclude(pk=self.pk)
                .values_list("key", flat=True)
            )
            self.key = unique_key(derive_key(self.text), taken)
        super().save(*args, **kwargs)


def derive_key(text: str) -> str:
    """The key a key action gets from its text when it has none (slug of the first 60
    characters' words). Track files without keys are matched with it on their first import."""
    return slugify(text)[:60].strip("-") or "key-action"


def unique_key(key: str, taken: set[str]) -> str:
    """`key`, or `key-2`, `key-3`... when it is taken."""
    candidate, n = key, 1
    while candidate in taken:
        n += 1
        candidate = f"{key}-{n}"
    return candidate


class Resource(models.Model):
    """A course, book, certification... for a track, or for one of its phases."""

    class Kind(models.TextChoices):
        CERTIFICATION = "certification", "Certification"
        COURSE = "course", "Course"
        BOOK = "book", "Book"
        ARTICLE = "article", "Article"
        VIDEO = "video", "Video"
        TOOL = "tool", "Tool"
        COMMUNITY = "community", "Community"

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="resources")
    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, related_name="resources", null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=120, blank=True)
    cost = models.CharField(max_length=60, blank=True)
    url = models.URLField(blank=True)
    why = models.TextField("why it matters", blank=True)

    class Meta:
        ordering = ["track", "phase__order", "order", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.phase_id and self.track_id and self.phase.track_id != self.track_id:
            raise ValidationError({"phase": "This phase belongs to another track."})


class Background(models.Model):
    """Where a learner comes from, and what that brings toward the track's target role."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="backgrounds")
    slug = models.SlugField()
    title = models.CharField(max_length=120)
    summary = models.TextField(blank=True)
    transferable = models.JSONField(default=list, blank=True, help_text="One sentence per item.")
    gaps = models.JSONField(default=list, blank=True, help_text="One sentence per item.")
    min_months = models.PositiveSmallIntegerField()
    max_months = models.PositiveSmallIntegerField()
    covers_skills = models.ManyToManyField(Skill, related_name="backgrounds", blank=True)

    class Meta:
        ordering = ["track", "min_months", "title"]
        constraints = [
            models.UniqueConstraint(fields=["track", "slug"], name="background_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if (
            self.min_months is not None
            and self.max_months is not None
            and self.min_months > self.max_months
        ):
            raise ValidationError(
                {
                    "min_months": f"{self.title}: minimum months {self.min_months} "
                    f"is above maximum {self.max_months}."
                }
            )


class FAQ(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="faqs")
    order = models.PositiveSmallIntegerField(default=1)
    question = models.CharField(max_length=300)
    answer = models.TextField()

    class Meta:
        ordering = ["track", "order", "id"]
        verbose_name = "FAQ"
        verbose_name_plural = "FAQs"

    def __str__(self) -> str:
        return self.question


# --- Learners on tracks ---------------------------------------------------------------------


class SourceRole(models.TextChoices):
    """Where a learner comes from: the backgrounds of seed 004, plus students and newcomers.

    A track's `Background` rows use these slugs; a track without a row for a role plans with
    the authored phase ranges and no coverage from the background.
    """

    SOFTWARE_ENGINEER = "software-engineer", "Software engineer / backend developer"
    DATA_SCIENTIST = "data-scientist", "Data scientist"
    ML_RESEARCHER = "ml-researcher", "Machine learning researcher / PhD"
    DATA_ENGINEER = "data-engineer", "Data engineer"
    QUANT_ANALYST = "quant-analyst", "Quantitative analyst"
    NEWCOMER = "newcomer", "Student or newcomer"


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def active(self) -> "EnrollmentQuerySet":
        return self.filter(status=Enrollment.Status.ACTIVE)


class Enrollment(models.Model):
    """One learner on one track, with their goals and their generated plan.

    A learner has at most one active enrollment (a database constraint); switching tracks
    pauses the other one, which keeps its progress. The plan (`plan`, JSON written by
    `tracks.plans.plan_to_json`) is derived from the goals and regenerated when they change.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"

    learner = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="enrollments"
    )
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # Goals
    background = models.CharField("where you come from", max_length=40, choices=SourceRole)
    hours_per_week = models.PositiveSmallIntegerField()
    target_date = models.DateField(null=True, blank=True)
    skills = models.ManyToManyField(
        Skill, related_name="+", blank=True, help_text="Skills the learner says they already have."
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    # Plan
    started_on = models.DateField(help_text="The plan's first day, in the learner's time zone.")
    plan = models.JSONField(default=dict)
    plan_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the learner last studied (see `tracks.services.record_study`), kept on their
    # active enrollment so the inactivity reminder reads one column instead of every answer,
    # review and tick. Never moves back; NULL until the first study on this enrollment.
    last_studied_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Moves by one each time evidence a gate reads changes for this learner (on any track: a
    # skill is shared between tracks), in the transaction that records it, so a cached gate
    # report keyed on it is never served after the evidence changed
    # (`tracks.progression.evidence_changed`, `report_for`).
    evidence_version = models.PositiveBigIntegerField(default=0, editable=False)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "track"], name="enrollment_once_per_track"),
            models.UniqueConstraint(
                fields=["learner"],
                condition=models.Q(status="active"),
                name="enrollment_one_active",
            ),
            models.CheckConstraint(
                condition=models.Q(hours_per_week__gte=1, hours_per_week__lte=60),
                name="enrollment_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.track}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class PhaseProgress(models.Model):
    """The state of one phase for one enrollment: locked → unlocked → mastered.

    Enrolling unlocks the first phase and locks the rest; after that only the progression
    service changes `state` (it stamps `unlocked_at` and `mastered_at`).
    """

    class State(models.TextChoices):
        LOCKED = "locked", "Locked"
        UNLOCKED = "unlocked", "Unlocked"
        MASTERED = "mastered", "Mastered"

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="phase_progress"
    )
    # PROTECT: a learner's progress never vanishes with a phase (retire it instead).
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="progress")
    state = models.CharField(max_length=20, choices=State.choices, default=State.LOCKED)
    unlocked_at = models.DateTimeField(null=True, blank=True)
    mastered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["enrollment", "phase__order"]
        verbose_name_plural = "phase progress"
        # The reminder sweep asks, per learner at their hour, "is a phase still open?" and
        # "what moved this week?": an index-only scan of this one (see reminders.builtin.queries).
        indexes = [
            models.Index(
                fields=["enrollment", "state", "unlocked_at", "mastered_at"],
                name="phase_progress_sweep",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "phase"], name="phase_progress_once_per_phase"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="unlocked", unlocked_at=None)
                & ~models.Q(state="mastered", mastered_at=None),
                name="phase_progress_state_stamped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase} · {self.get_state_display()}"


class KeyActionProgress(models.Model):
    """Whether a learner has ticked a key action (self-reported: never enough for a gate)."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="key_action_progress"
    )
    key_action = models.ForeignKey(KeyAction, on_delete=models.PROTECT, related_name="progress")
    ticked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["enrollment", "key_action__order"]
        verbose_name_plural = "key action progress"
        # Ticks of the week, per enrollment (the reminders' weekly goal and digest).
        indexes = [models.Index(fields=["enrollment", "ticked_at"], name="key_action_ticked")]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "key_action"], name="key_action_progress_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_action} · {'done' if self.done else 'to do'}"

    @property
    def done(self) -> bool:
        return self.ticked_at is not None


class CalendarFeed(models.Model):
    """A learner's private calendar feed: whoever holds the token reads the plan's dates."""

    learner = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.learner}"


# --- Gates and the audit trail --------------------------------------------------------------


class GateCriterion(models.Model):
    """One rule of a phase's gate: a kind from the registry (tracks.gates) and its params.

    The gate is met when every criterion is met. Validation (tracks.gates.gate_problems)
    refuses unknown kinds, criteria the phase cannot meet and self-reported-only gates.
    """

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="gate_criteria")
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["phase", "order", "id"]
        verbose_name = "gate criterion"
        verbose_name_plural = "gate criteria"
        constraints = [
            models.UniqueConstraint(fields=["phase", "kind"], name="gate_criterion_kind_once"),
        ]

    def __str__(self) -> str:
        # The kind's code: the learner-facing words come from the registry
        # (`tracks.gates.describe_criterion`), which this module does not import.
        return self.kind


class ProgressEvent(models.Model):
    """An append-only record of every phase decision, with the evidence that justified it.

    Written only by tracks.progression. `snapshot` keeps, for a mastery, each criterion in
    force then with its value and the evidence behind it (attempts, reviews, card figures);
    for an exemption, who granted it and why; for a gate change, the old and new criteria.
    """

    class Kind(models.TextChoices):
        UNLOCKED = "unlocked", "Phase unlocked"
        MASTERED = "mastered", "Phase mastered"
        EXEMPTED = "exempted", "Exemption granted"
        GATE_CHANGED = "gate_changed", "Gate changed"

    # PROTECT, and on PostgreSQL and SQLite a trigger refuses any DELETE (migration 0004):
    # the audit trail outlives whatever it talks about.
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="progress_events"
    )
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="progress_events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    snapshot = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enrollment", "phase", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.phase} for {self.enrollment.learner_id}"
