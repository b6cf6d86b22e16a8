"""Local time for reminders: time zones, local hours and period keys ("once per X").

Pure functions of plain values; no database access.
"""

from collections import defaultdict
from datetime import datetime

from edirae.timezones import DEFAULT_TIME_ZONE, is_known_time_zone, known_time_zones, zone_info

DEFAULT_HOUR = 9
# A user is due from their preferred local hour until the end of the next hour. The extra
# hour covers the hour that does not exist when clocks spring forward (02:00 in Paris on the
# last Sunday of March) and a sweep missed during a short outage; the period key still
# means the reminder goes out once. The window never crosses local midnight, so a day's
# reminder always belongs to that day.
HOUR_WINDOW = 2


def local_now(now: datetime, time_zone: str) -> datetime:
    """`now` (aware) in the given zone; unknown or blank zones fall back to UTC."""
    zone = time_zone if time_zone and is_known_time_zone(time_zone) else DEFAULT_TIME_ZONE
    return now.astimezone(zone_info(zone))


def local_day(now: datetime, time_zone: str) -> str:
    """Period key of a daily kind: the user's local date, e.g. 2026-11-23."""
    return local_now(now, time_zone).date().isoformat()


def local_week(now: datetime, time_zone: str) -> str:
    """Period key of a weekly kind: the user's local ISO week, e.g. 2026-W48."""
    year, week, _ = local_now(now, time_zone).isocalendar()
    return f"{year}-W{week:02d}"


def hours_in_window(local_hour: int) -> list[int]:
    """Preferred hours that are due when the local clock shows `local_hour`."""
    return [h for h in range(local_hour - HOUR_WINDOW + 1, local_hour + 1) if h >= 0]


def zones_by_local_hour(now: datetime) -> dict[int, list[str]]:
    """Every known zone grouped by its local hour at `now`: lets one SQL query match each
    user's preferred hour in their own zone (about 600 zones, a few milliseconds)."""
    groups: dict[int, list[str]] = defaultdict(list)
    for name in sorted(known_time_zones()):
        groups[now.astimezone(zone_info(name)).hour].append(name)
    return dict(groups)
