"""The AI mentor in the admin: its usage (summed up per backend) and pre-review drafts,
both read-only."""

from django.contrib import admin
from django.db.models import Avg, Count, Sum

from ai_mentor.models import AIUsage, PreReviewDraft


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AIUsage)
class AIUsageAdmin(ReadOnlyAdmin):
    """Every call of the AI mentor; the list's header sums them up per backend."""

    list_display = [
        "created_at",
        "backend",
        "kind",
        "outcome",
        "latency_ms",
        "prompt_tokens",
        "completion_tokens",
        "user",
    ]
    list_filter = ["backend", "kind", "outcome", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "error"]
    date_hierarchy = "created_at"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["per_backend"] = (
                changelist.queryset.order_by()
                .values("backend", "outcome")
                .annotate(
                    calls=Count("id"),
                    avg_ms=Avg("latency_ms"),
                    prompt=Sum("prompt_tokens"),
                    completion=Sum("completion_tokens"),
                )
                .order_by("backend", "outcome")
            )
        return response


@admin.register(PreReviewDraft)
class PreReviewDraftAdmin(ReadOnlyAdmin):
    list_display = ["round", "backend", "created_at"]
    list_filter = ["backend"]
    list_select_related = ["round__submission__learner", "round__submission__key_action"]
