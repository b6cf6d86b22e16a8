"""Duration labels in templates (the rules are in tracks.durations)."""

from django import template

from tracks.durations import months_label, months_range_label

register = template.Library()

register.filter("months", months_label)


@register.filter
def months_range(low: int, high: int) -> str:
    """`{{ background.min_months|months_range:background.max_months }}` → "3-6 months"."""
    return months_range_label(low, high)
