"""Tracks and what they are made of: phases, key actions, skills, resources, backgrounds."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse


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

    class Meta:
        ordering = ["track", "order"]
        constraints = [
            models.UniqueConstraint(fields=["track", "order"], name="phase_order_unique"),
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
        return weeks_label(self.min_weeks, self.max_weeks)


def weeks_label(min_weeks: int, max_weeks: int) -> str:
    """'4-13 weeks' reads badly; say months or years the way the career guides do."""
    if max_weeks >= 104 and min_weeks % 52 == 0 and max_weeks % 52 == 0:
        return f"{min_weeks // 52}-{max_weeks // 52} years"
    if max_weeks >= 8:
        low, high = round(min_weeks / 4.345), round(max_weeks / 4.345)
        if low == high:
            return f"about {low} month{'s' if low != 1 else ''}"
        return f"{max(low, 1)}-{high} months"
    if min_weeks == max_weeks:
        return f"{min_weeks} week{'s' if min_weeks != 1 else ''}"
    return f"{min_weeks}-{max_weeks} weeks"


class KeyAction(models.Model):
    """A concrete thing to do in a phase; some need evidence a mentor reviews."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="key_actions")
    order = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    text = models.CharField(max_length=300)
    needs_evidence = models.BooleanField(
        default=False, help_text="A mentor must review work for this action."
    )
    skills = models.ManyToManyField(Skill, related_name="key_actions", blank=True)

    class Meta:
        ordering = ["phase", "order"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "order"], name="key_action_order_unique"),
        ]

    def __str__(self) -> str:
        return self.text


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
