from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A wait as people say it: "45 min", "31 h", "3 days 4 h"."""
    if value is None:
        return ""
    minutes = max(int(value.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 72:
        return f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h" if hours else f"{days} days"


STATE_BADGES = {
    "draft": "badge",
    "submitted": "badge badge-warning",
    "in_review": "badge badge-info",
    "changes_requested": "badge badge-warning",
    "approved": "badge badge-ok",
    "withdrawn": "badge badge-muted",
}


@register.filter
def state_badge(state: str) -> str:
    return STATE_BADGES.get(state, "badge")
