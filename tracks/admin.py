from django import forms
from django.contrib import admin
from django.db.models import Count

from tracks.models import (
    FAQ,
    Background,
    Enrollment,
    KeyAction,
    Phase,
    PhaseProgress,
    Resource,
    Skill,
    Track,
)
from tracks.services import prerequisite_cycle


class SkillAdminForm(forms.ModelForm):
    class Meta:
        model = Skill
        fields = ["slug", "name", "description", "prerequisites"]

    def clean_prerequisites(self):
        prerequisites = self.cleaned_data["prerequisites"]
        if self.instance.pk:
            cycle = prerequisite_cycle(skill=self.instance, prerequisites=list(prerequisites))
            if cycle:
                raise forms.ValidationError(
                    "These prerequisites would form a cycle: " + " → ".join(cycle) + "."
                )
        return prerequisites


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    form = SkillAdminForm
    list_display = ["name", "slug"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["prerequisites"]


class PhaseInline(admin.TabularInline):
    model = Phase
    fields = ["order", "title", "slug", "min_weeks", "max_weeks", "on_the_job"]
    prepopulated_fields = {"slug": ["title"]}
    extra = 0
    show_change_link = True
    ordering = ["order"]


class TrackResourceInline(admin.TabularInline):
    model = Resource
    fields = ["order", "kind", "title", "provider", "cost", "url", "phase"]
    extra = 0
    verbose_name_plural = "Resources and certifications"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "phase":
            track_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Phase.objects.filter(track_id=track_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BackgroundInline(admin.StackedInline):
    model = Background
    extra = 0
    fields = [
        ("title", "slug"),
        "summary",
        ("min_months", "max_months"),
        "transferable",
        "gaps",
        "covers_skills",
    ]
    filter_horizontal = ["covers_skills"]


class FAQInline(admin.StackedInline):
    model = FAQ
    extra = 0
    fields = ["order", "question", "answer"]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["title", "target_role", "difficulty", "status", "phase_count", "updated_at"]
    list_filter = ["status", "difficulty"]
    search_fields = ["title", "slug", "summary", "target_role"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["skills"]
    inlines = [PhaseInline, TrackResourceInline, BackgroundInline, FAQInline]
    fieldsets = (
        (None, {"fields": ("title", "slug", "status", "summary", "description")}),
        ("Role", {"fields": ("target_role", "difficulty", "typical_duration", "day_in_the_life")}),
        ("Skills", {"fields": ("skills",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_phase_count=Count("phases"))

    @admin.display(description="Phases", ordering="_phase_count")
    def phase_count(self, track: Track) -> int:
        return track._phase_count


class KeyActionInline(admin.TabularInline):
    model = KeyAction
    fields = ["order", "text", "needs_evidence", "skills"]
    autocomplete_fields = ["skills"]
    extra = 0
    ordering = ["order"]


class PhaseResourceInline(admin.TabularInline):
    model = Resource
    fields = ["order", "kind", "title", "provider", "cost", "url", "why"]
    extra = 0


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ["__str__", "track", "duration_label", "min_weeks", "max_weeks"]
    list_filter = ["track"]
    search_fields = ["title", "description", "track__title", "key_actions__text"]
    list_select_related = ["track"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["track__title", "order"]
    inlines = [KeyActionInline, PhaseResourceInline]
    fields = [
        "track",
        ("order", "title", "slug"),
        "summary",
        "description",
        ("min_weeks", "max_weeks", "on_the_job"),
    ]

    def save_formset(self, request, form, formset, change):
        # Resources added on a phase belong to the phase's track.
        if formset.model is Resource:
            for resource in formset.save(commit=False):
                resource.track = form.instance.track
                resource.save()
            for resource in formset.deleted_objects:
                resource.delete()
            formset.save_m2m()
            return
        super().save_formset(request, form, formset, change)


@admin.register(KeyAction)
class KeyActionAdmin(admin.ModelAdmin):
    list_display = ["text", "phase", "order", "needs_evidence"]
    list_filter = ["needs_evidence", "phase__track"]
    search_fields = ["text", "phase__title"]
    list_select_related = ["phase__track"]
    filter_horizontal = ["skills"]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "provider", "cost", "track", "phase"]
    list_filter = ["kind", "track"]
    search_fields = ["title", "provider", "why"]
    list_select_related = ["track", "phase"]


@admin.register(Background)
class BackgroundAdmin(admin.ModelAdmin):
    list_display = ["title", "track", "min_months", "max_months"]
    list_filter = ["track"]
    search_fields = ["title", "summary"]
    filter_horizontal = ["covers_skills"]


@admin.register(FAQ)
class FAQAdmin(admin.ModelAdmin):
    list_display = ["question", "track", "order"]
    list_filter = ["track"]
    search_fields = ["question", "answer"]


class PhaseProgressInline(admin.TabularInline):
    """Read-only: only the progression service changes a phase's state."""

    model = PhaseProgress
    fields = ["phase", "state", "unlocked_at", "mastered_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["phase__order"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["learner", "track", "status", "background", "hours_per_week", "started_on"]
    list_filter = ["status", "track", "background"]
    search_fields = ["learner__email", "track__title"]
    list_select_related = ["learner", "track"]
    readonly_fields = ["learner", "track", "started_on", "plan", "plan_updated_at"]
    fields = [
        ("learner", "track", "status"),
        ("background", "hours_per_week", "target_date", "time_zone"),
        "skills",
        ("started_on", "plan_updated_at"),
        "plan",
    ]
    filter_horizontal = ["skills"]
    inlines = [PhaseProgressInline]
