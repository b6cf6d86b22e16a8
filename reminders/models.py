"""Reminders: who wants what and when, what was claimed and sent, and in-app notifications.

The claim is a database fact: one `Reminder` row per (user, kind, period), enforced by a
unique constraint, so a sweep that runs twice, overlaps with another, or retries sends once.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.http import url_has_allowed_host_and_scheme

# validate_time_zone stays importable here: migration 0001 names it by this module.
from edirae.timezones import DEFAULT_TIME_ZONE, validate_time_zone
from reminders.periods import DEFAULT_HOUR


class ReminderPreference(models.Model):
    """One user's reminder settings. A user without a row gets the defaults (every kind on,
    9 a.m., UTC, single mails)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    hour = models.PositiveSmallIntegerField(
        "preferred hour",
        default=DEFAULT_HOUR,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
        help_text="Local hour (0-23) at which reminders go out.",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=f"IANA name such as Europe/Paris; blank means {DEFAULT_TIME_ZONE}.",
    )
    digest = models.BooleanField(
        "one daily digest instead of single mails",
        default=False,
    )
    email_suppressed_at = models.DateTimeField(null=True, blank=True)
    email_suppressed_reason = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Reminder preferences of {self.user}"

    @property
    def effective_time_zone(self) -> str:
        return self.time_zone or DEFAULT_TIME_ZONE


class UserClock(models.Model):
    """The zone and preferred hour a user's reminders follow (and the zone their pages use),
    stored so that the sweep finds who is at their hour by an index lookup over the few
    (hour, zone) pairs due now instead of resolving every user's zone in SQL.

    Derived, never edited: `reminders.clock.keep` writes it from the reminder preference and
    the active enrollment whenever either changes (see `reminders.clock` for the rule)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="clock",
    )
    time_zone = models.CharField(max_length=64, default=DEFAULT_TIME_ZONE)
    hour = models.PositiveSmallIntegerField(default=DEFAULT_HOUR)

    class Meta:
        indexes = [
            # The sweep's lookup: `hour = h AND time_zone IN (zones at h or h+1 now)` for each
            # preferred hour, answered from the index alone (the user id is in it).
            models.Index(fields=["hour", "time_zone", "user"], name="reminders_clock_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.hour}:00 {self.time_zone}"


class KindOptOut(models.Model):
    """A user turned one reminder kind off (on the preferences page or by an unsubscribe link).

    No row means the kind is on. The unique constraint makes unsubscribing idempotent."""

    class Source(models.TextChoices):
        PREFERENCES = "preferences", "Preferences page"
        UNSUBSCRIBE_LINK = "unsubscribe", "Unsubscribe link"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_opt_outs"
    )
    kind = models.CharField(max_length=64)
    source = models.CharField(max_length=20, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="reminders_one_opt_out_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} opted out of {self.kind}"


class Reminder(models.Model):
    """One reminder for one user, of one kind, for one period ("once per X").

    Created by the sweep (the claim), then delivered by exactly one task: `deliver` moves it
    from pending to sending with a conditional UPDATE."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=64)
    period = models.CharField(
        max_length=64, help_text="What 'once' means: 2026-11-23 (a local day), 2026-W48 (a week)."
    )
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    # The sweep that created the row: lets it select back exactly the rows it inserted.
    claim = models.UUIDField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False, help_text="False when only in-app.")
    digest = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
        help_text="The daily digest that carried this reminder, for digest users.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "period"], name="reminders_once_per_user_kind_period"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="reminders_pending_idx",
                condition=models.Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user} ({self.period}): {self.state}"


class Notification(models.Model):
    """An in-app notification, shown under the bell until read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    reminder = models.OneToOneField(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="notification"
    )
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="A path on this site.")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="reminders_notif_user_idx"),
            # The bell's count: one index-only lookup over the user's unread rows.
            models.Index(
                fields=["user"], name="reminders_notif_unread_idx", condition=models.Q(read_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.user})"

    @property
    def safe_url(self) -> str:
        """The link, only if it stays on this site (never javascript:, //host or /\\host)."""
        stays = self.url.startswith("/") and url_has_allowed_host_and_scheme(
            self.url, allowed_hosts=set()
        )
        return self.url if stays else ""
