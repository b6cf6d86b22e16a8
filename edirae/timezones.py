"""Which names are time zones, decided in one place: the goals form, the reminder preferences,
the reminders' local hours and the pages' local time accept the same names.

A plain utility: it imports no app (the user's own zone is `edirae.local_time`).
"""

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError

DEFAULT_TIME_ZONE = "UTC"


@cache
def known_time_zones() -> frozenset[str]:
    """The IANA names zoneinfo knows (read from disk once per process)."""
    return frozenset(available_timezones())


def is_known_time_zone(name: str) -> bool:
    return name in known_time_zones()


def validate_time_zone(value: str) -> None:
    """A form or model validator: `value` must be an IANA name ("Europe/Paris")."""
    if value and not is_known_time_zone(value):
        raise ValidationError(
            "“%(value)s” is not a time zone we know: use a name like Europe/Paris or "
            "America/New_York.",
            params={"value": value},
            code="unknown_time_zone",
        )


@cache
def zone_info(name: str) -> ZoneInfo:
    """The zone, or UTC for a name that is not a known time zone; loaded once per process
    (ZoneInfo's own cache keeps only a few zones alive, and a sweep groups every zone)."""
    return ZoneInfo(name if is_known_time_zone(name) else DEFAULT_TIME_ZONE)
