from django.contrib import admin
from django.db import transaction

from reminders.models import KindOptOut, Notification, Reminder, ReminderPreference
from reminders.notifications import notifications_changed


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "hour", "time_zone", "digest", "email_suppressed_at"]
    list_filter = ["digest", ("email_suppressed_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(KindOptOut)
class KindOptOutAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "source", "created_at"]
    list_filter = ["kind", "source"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Read-only: reminders are written by the sweep and the delivery task only."""

    list_display = ["user", "kind", "period", "state", "emailed", "attempts", "created_at"]
    list_filter = ["state", "kind", "emailed"]
    search_fields = ["user__email", "period"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "title", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "title"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "reminder"]

    # The bell's kept count moves with every change made here (`notifications_changed`).
    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic():
            before = Notification.objects.filter(pk=obj.pk).values_list("user_id", flat=True)
            user_ids = [*before, obj.user_id]  # moved to another user: both bells change
            super().save_model(request, obj, form, change)
            notifications_changed(user_ids=user_ids)

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            super().delete_model(request, obj)
            notifications_changed(user_ids=[obj.user_id])

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            user_ids = list(queryset.values_list("user_id", flat=True).distinct())
            super().delete_queryset(request, queryset)
            notifications_changed(user_ids=user_ids)
