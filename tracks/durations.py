"""How long things take, said the way the career guides say it: the one home of the
duration labels every page and mail shows.

- `months_label(weeks)`: a single estimate ("about 9 months"; short plans stay in weeks);
- `months_range_label(low, high)`: a range already in months ("3-6 months", a background's
  typical time, the catalog's range over a track's backgrounds);
- `weeks_label(min_weeks, max_weeks)`: a phase's range of weeks ("1-3 months", "2-4 years").

The template filters are in `tracks.templatetags.durations`.
"""

from fractions import Fraction

WEEKS_PER_MONTH = Fraction(52, 12)


def months_label(weeks: int) -> str:
    """'about 9 months' for a single estimate; short plans stay in weeks."""
    if weeks < 9:
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    months = round(weeks / WEEKS_PER_MONTH)
    if months >= 24 and months % 12 in (0, 6):
        years = months / 12
        return f"about {years:g} years"
    return f"about {months} months"


def months_range_label(low: int, high: int) -> str:
    """'3-6 months'; one figure when both ends agree ('6 months', '1 month')."""
    if low == high:
        return f"{low} month{'s' if low != 1 else ''}"
    return f"{low}-{high} months"


def weeks_label(min_weeks: int, max_weeks: int) -> str:
    """'4-13 weeks' reads badly; say months or years the way the career guides do."""
    if max_weeks >= 104 and min_weeks % 52 == 0 and max_weeks % 52 == 0:
        return f"{min_weeks // 52}-{max_weeks // 52} years"
    if max_weeks >= 8:
        low, high = round(min_weeks / WEEKS_PER_MONTH), round(max_weeks / WEEKS_PER_MONTH)
        if low == high:
            return f"about {low} month{'s' if low != 1 else ''}"
        return f"{max(low, 1)}-{high} months"
    if min_weeks == max_weeks:
        return f"{min_weeks} week{'s' if min_weeks != 1 else ''}"
    return f"{min_weeks}-{max_weeks} weeks"
