from django import forms
from django.contrib import admin
from django.db.models import Count

from mentors.models import (
    Escalation,
    MentorAssignment,
    MentorProfile,
    Review,
    ReviewScore,
    Rubric,
    RubricCriterion,
    RubricLevel,
    Submission,
    SubmissionRound,
)


@admin.register(MentorProfile)
class MentorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "weekly_capacity", "is_active", "is_fallback_reviewer", "track_list"]
    list_filter = ["is_active", "is_fallback_reviewer", "tracks"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["tracks"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").prefetch_related("tracks")

    @admin.display(description="Tracks")
    def track_list(self, profile: MentorProfile) -> str:
        return ", ".join(track.title for track in profile.tracks.all()) or "none"


@admin.register(MentorAssignment)
class MentorAssignmentAdmin(admin.ModelAdmin):
    list_display = ["learner", "track", "mentor"]
    list_filter = ["track"]
    search_fields = ["learner__email", "mentor__user__email"]
    autocomplete_fields = ["learner", "mentor"]
    list_select_related = ["learner", "track", "mentor__user"]


class LevelFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        scores = {
            form.cleaned_data["score"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("score") is not None
        }
        pass_score = self.instance.pass_score
        if scores and pass_score not in scores:
            raise forms.ValidationError(
                f"The pass level ({pass_score}) must be the score of one of the levels: "
                f"{', '.join(str(s) for s in sorted(scores))}."
            )


class RubricLevelInline(admin.TabularInline):
    model = RubricLevel
    formset = LevelFormSet
    fields = ["score", "label", "description"]
    extra = 0
    min_num = 2
    ordering = ["score"]


@admin.register(RubricCriterion)
class RubricCriterionAdmin(admin.ModelAdmin):
    list_display = ["title", "rubric", "order", "pass_score"]
    list_filter = ["rubric__phase__track"]
    search_fields = ["title", "rubric__title"]
    list_select_related = ["rubric"]
    inlines = [RubricLevelInline]


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
    fields = ["order", "title", "description", "pass_score", "level_count"]
    readonly_fields = ["level_count"]
    extra = 0
    show_change_link = True
    ordering = ["order"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_levels=Count("levels"))

    @admin.display(description="Levels")
    def level_count(self, criterion: RubricCriterion) -> str:
        count = getattr(criterion, "_levels", None)
        if count is None:
            return "save, then edit to add levels"
        return f"{count} (edit to change)" if count else "none yet: edit to add levels"


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["title", "phase", "key_action"]
    list_filter = ["phase__track"]
    search_fields = ["title", "phase__title", "key_action__text"]
    list_select_related = ["phase__track", "key_action"]
    autocomplete_fields = ["phase", "key_action"]
    inlines = [RubricCriterionInline]


class RoundInline(admin.StackedInline):
    model = SubmissionRound
    fields = ["number", "url", "writeup", "note", "prechecks", "submitted_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Read-only: submissions change only through the services (the state machine)."""

    list_display = ["key_action", "learner", "track", "state", "submitted_at", "escalated_at"]
    list_filter = ["state", "track"]
    search_fields = ["learner__email", "key_action__text"]
    list_select_related = ["key_action", "learner", "track"]
    inlines = [RoundInline]
    readonly_fields = [
        "learner",
        "key_action",
        "phase",
        "track",
        "state",
        "submitted_at",
        "claimed_by",
        "claim_expires_at",
        "escalated_at",
        "review_unseen",
    ]
    exclude = []

    def has_add_permission(self, request) -> bool:
        return False


class ReviewScoreInline(admin.TabularInline):
    model = ReviewScore
    fields = ["criterion", "level", "score", "pass_score"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["round", "mentor", "verdict", "created_at", "waited"]
    list_filter = ["verdict"]
    search_fields = ["mentor__email", "round__submission__learner__email"]
    list_select_related = ["round__submission__learner", "round__submission__key_action", "mentor"]
    readonly_fields = ["round", "mentor", "verdict", "feedback", "rubric", "created_at", "waited"]
    inlines = [ReviewScoreInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["submission", "round", "escalated_at"]
    list_select_related = ["submission__key_action", "submission__learner", "round"]
    readonly_fields = ["submission", "round", "escalated_at"]

    def has_add_permission(self, request) -> bool:
        return False
