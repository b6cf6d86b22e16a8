import copy
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Count

from tracks import (
    admin_progress,  # noqa: F401 (registers enrollments, exemptions and the audit trail)
    gates,
    services,
)
from tracks.models import (
    FAQ,
    Background,
    GateCriterion,
    KeyAction,
    Phase,
    Resource,
    Skill,
    Track,
    derive_key,
)


class SkillAdminForm(forms.ModelForm):
    class Meta:
        model = Skill
        fields = ["slug", "name", "description", "prerequisites"]

    def clean_prerequisites(self):
        prerequisites = self.cleaned_data["prerequisites"]
        if self.instance.pk:
            cycle = services.prerequisite_cycle(
                skill=self.instance, prerequisites=list(prerequisites)
            )
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


class LiveOrderFormSet(forms.BaseInlineFormSet):
    """`order` is unique among live rows only (a retired row keeps its old number), a
    conditional constraint that Django's formsets do not check between new rows."""

    def clean(self) -> None:
        super().clean()
        seen: set[int] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("retired"):
                continue
            if data.get("order") in seen:
                form.add_error("order", "Another live row has this order.")
                raise forms.ValidationError("Please correct the duplicate data for order.")
            seen.add(data.get("order"))


class PhaseInline(admin.TabularInline):
    model = Phase
    formset = LiveOrderFormSet
    fields = ["order", "title", "slug", "min_weeks", "max_weeks", "on_the_job", "retired"]
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


class TrackPublishForm(forms.ModelForm):
    """Publishing needs a gate on every phase but the last (services.publish_problems)."""

    class Meta:
        model = Track
        exclude: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Track.Status.PUBLISHED and self.instance.pk:
            problems = services.publish_problems(track=self.instance)
            if problems:
                raise forms.ValidationError(problems)
        return cleaned


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    form = TrackPublishForm
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


class KeyActionForm(forms.ModelForm):
    class Meta:
        model = KeyAction
        fields = ["order", "key", "text", "needs_evidence", "skills", "retired"]

    def clean(self):
        cleaned = super().clean()
        # Left empty, the key comes from the text, before the formset compares keys.
        if not cleaned.get("key") and cleaned.get("text"):
            cleaned["key"] = derive_key(cleaned["text"])
        return cleaned


class KeyActionInline(admin.TabularInline):
    model = KeyAction
    form = KeyActionForm
    formset = LiveOrderFormSet
    fields = ["order", "key", "text", "needs_evidence", "skills", "retired"]
    autocomplete_fields = ["skills"]
    extra = 0
    ordering = ["order"]


class PhaseResourceInline(admin.TabularInline):
    model = Resource
    fields = ["order", "kind", "title", "provider", "cost", "url", "why"]
    extra = 0


class GateCriterionForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=gates.kind_choices)

    class Meta:
        model = GateCriterion
        fields = ["order", "kind", "params"]
        help_texts = {
            "params": 'JSON, e.g. {"threshold": 80} for quiz_score, {"count": 1} for '
            "evidence_approved; leave {} for the defaults."
        }


class GateFormSet(forms.BaseInlineFormSet):
    """The whole gate is validated at once: a self-reported-only gate is refused, and so is a
    criterion the phase cannot meet (no quiz, no deck, a skill it does not measure).

    It is checked against the phase as this save leaves it: `PhaseAdmin` sets
    `problems_as_submitted`, which reads the other inlines of the same page."""

    problems_as_submitted: Callable[[list[tuple[str, dict]]], list[str]] | None = None

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        criteria = [
            (form.cleaned_data["kind"], form.cleaned_data.get("params") or {})
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not criteria:
            return
        if self.problems_as_submitted is not None:
            problems = self.problems_as_submitted(criteria)
        else:
            problems = gates.gate_problems(self.instance, criteria)
        if problems:
            raise forms.ValidationError(
                [f"Gate of {self.instance}: {problem}." for problem in problems]
            )


class GateCriterionInline(admin.TabularInline):
    model = GateCriterion
    form = GateCriterionForm
    formset = GateFormSet
    extra = 0
    ordering = ["order"]
    verbose_name_plural = "Gate: every criterion must be met before the next phase opens"


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ["__str__", "track", "duration_label", "min_weeks", "max_weeks", "retired"]
    list_filter = ["track", "retired"]
    search_fields = ["title", "description", "track__title", "key_actions__text"]
    list_select_related = ["track"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["track__title", "order"]
    inlines = [KeyActionInline, PhaseResourceInline, GateCriterionInline]
    fields = [
        "track",
        ("order", "title", "slug"),
        "summary",
        "description",
        ("min_weeks", "max_weeks", "on_the_job"),
    ]

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        gate = next((f for f in formsets if isinstance(f, GateFormSet)), None)
        if gate is not None:
            others = [f for f in formsets if f is not gate]
            gate.problems_as_submitted = partial(
                self._gate_problems_as_submitted, request, obj, others, change
            )
        return formsets, inline_instances

    def _gate_problems_as_submitted(
        self, request, phase: Phase, others: list, change: bool, criteria: list
    ) -> list[str]:
        """The gate's problems for the phase as this save would leave it.

        The phase and copies of the page's other inlines (key actions, resources) are written
        in a savepoint that is rolled back, so each criterion kind's own check reads what the
        author submitted (a key action marked "needs evidence" next to an evidence gate)
        without a second copy of the rules. With an invalid inline the page shows its errors
        first and the gate is checked on the next save.
        """
        if not all(formset.is_valid() for formset in others):
            return []
        with transaction.atomic():
            draft = copy.copy(phase)
            draft.save()
            for formset in others:
                twin = type(formset)(
                    data=formset.data, files=formset.files, instance=draft, prefix=formset.prefix
                )
                if twin.is_valid():
                    self.save_formset(request, SimpleNamespace(instance=draft), twin, change)
            problems = gates.gate_problems(draft, criteria)
            transaction.set_rollback(True)
        return problems

    def save_formset(self, request, form, formset, change):
        # Gate edits go through the service, so learners on the phase see the change in
        # their trail and nobody's mastered phase is touched.
        if formset.model is GateCriterion:
            formset.save(commit=False)  # fills the formset's change lists for the history
            criteria = [
                (f.cleaned_data["kind"], f.cleaned_data.get("params") or {})
                for f in sorted(
                    formset.forms, key=lambda f: (f.cleaned_data or {}).get("order") or 0
                )
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            services.set_gate(phase=form.instance, criteria=criteria)
            return
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
    list_display = ["text", "phase", "order", "key", "needs_evidence", "retired"]
    list_filter = ["needs_evidence", "retired", "phase__track"]
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
