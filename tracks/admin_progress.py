"""The admin of learners' progress: enrollments (with staff exemptions, never silent) and the
read-only audit trail. Imported by tracks/admin.py, which Django's admin autodiscovers."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from tracks import progression
from tracks.models import Enrollment, PhaseProgress, ProgressEvent


class ExemptionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the learner's trail with your name, and shown to the learner.",
    )


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
    change_form_template = "admin/tracks/enrollment_change_form.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/exempt/",
                self.admin_site.admin_view(self.exempt_view),
                name="tracks_enrollment_exempt",
            ),
            *super().get_urls(),
        ]

    def exempt_view(self, request, object_id):
        """Staff grant an exemption for the learner's open phase, with a reason (never silent)."""
        enrollment = get_object_or_404(Enrollment, pk=object_id)
        phase = progression.current_phase(enrollment)
        form = ExemptionForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and phase is not None:
            try:
                progression.grant_exemption(
                    enrollment=enrollment,
                    phase=phase,
                    staff=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except progression.ExemptionRefused as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
            else:
                self.message_user(request, f"Exemption granted: {phase} is mastered.")
            return redirect("admin:tracks_enrollment_change", object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Grant an exemption to {enrollment.learner}",
            "enrollment": enrollment,
            "phase": phase,
            "form": form,
            "opts": Enrollment._meta,
        }
        return TemplateResponse(request, "admin/tracks/exempt.html", context)


@admin.register(ProgressEvent)
class ProgressEventAdmin(admin.ModelAdmin):
    """The audit trail, read-only: events are written by the progression service alone."""

    list_display = ["created_at", "kind", "learner", "phase", "actor"]
    list_filter = ["kind", "phase__track", "created_at"]
    search_fields = ["enrollment__learner__email", "phase__title", "reason"]
    list_select_related = ["enrollment__learner", "phase__track", "actor"]
    date_hierarchy = "created_at"
    readonly_fields = ["enrollment", "phase", "kind", "created_at", "snapshot", "actor", "reason"]

    @admin.display(description="Learner", ordering="enrollment__learner__email")
    def learner(self, event: ProgressEvent) -> str:
        return event.enrollment.learner.email

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
