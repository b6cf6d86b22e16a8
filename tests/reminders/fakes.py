"""Reminder kinds that exist only in tests (the `kinds` fixture of tests/conftest.py puts them
in the registry)."""

from reminders.kinds import Content, Due, Kind
from reminders.periods import local_day


class DailyNudge(Kind):
    """Due once a local day for every recipient, at their preferred hour."""

    key = "test_daily"
    label = "Daily nudge"
    description = "A short nudge to study, once a day at your hour."

    def due(self, *, now, recipients):
        return [
            Due(user_id=pk, period=local_day(now, zone), payload={"zone": zone})
            for pk, zone in recipients.values_list("id", "reminder_time_zone")
        ]

    def content(self, *, reminder):
        return Content(
            subject="Ten minutes of study today?",
            title="Ten minutes of study today?",
            body="Your next key action is waiting.",
            url="/tracks/",
            action="Open your track",
        )


class Announcement(Kind):
    """Due once ever for every recipient, at any hour (like an event: 'evidence reviewed')."""

    key = "test_announcement"
    label = "Announcements"
    description = "News about your work, as soon as it happens."
    hour_bound = False

    def due(self, *, now, recipients):
        return [Due(user_id=pk, period="once") for pk in recipients.values_list("id", flat=True)]

    def content(self, *, reminder):
        return Content(
            subject="Your evidence was reviewed",
            title="Your evidence was reviewed",
            body="A mentor approved it <b>with praise</b>.",
            url="/tracks/",
        )
