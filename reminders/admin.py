from django.contrib import admin

from reminders.models import KindOptOut, Notification, Reminder, ReminderPreference


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
