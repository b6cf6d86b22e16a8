"""A flashcard review session: the reviews since its page was opened, and when the next card
is due, in words. Re-exported by quizzes.selectors."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from edirae.http import parse_id
from quizzes.availability import wait_label
from quizzes.models import ReviewLog

# A review session is the reviews since its page was opened, carried as a timestamp in the
# rating form; a stale or forged start is clamped, and the counts are always the learner's own
# review rows, never numbers sent by the browser.
SESSION_LONGEST = timedelta(hours=12)


def session_start(value: str | None, *, now: datetime) -> datetime:
    """The start of the review session from the form's `since` (epoch seconds): `now` when
    missing, malformed or in the future; at most SESSION_LONGEST ago."""
    seconds = parse_id(value)
    if seconds is None:
        return now
    try:
        start = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return now
    if start > now:
        return now
    return max(start, now - SESSION_LONGEST)


@dataclass(frozen=True)
class ReviewSession:
    since: datetime
    reviewed: int
    ratings: list[tuple[str, int]]  # (label, how many), Again to Easy


def review_session(*, learner: User, since: datetime) -> ReviewSession:
    """How many cards the learner rated since `since`, and how (one query)."""
    counts = ReviewLog.objects.filter(learner=learner, reviewed_at__gte=since).aggregate(
        reviewed=Count("id"),
        **{f"r{value}": Count("id", filter=Q(rating=value)) for value in ReviewLog.Rating.values},
    )
    return ReviewSession(
        since=since,
        reviewed=counts["reviewed"],
        ratings=[(r.label, counts[f"r{r.value}"]) for r in ReviewLog.Rating],
    )


def due_in_words(when: datetime, *, now: datetime) -> str:
    """When a card is due, in the active (the learner's) time zone: 'in 4 min, at 14:32',
    'in 3 h 5 min, today at 17:40', 'tomorrow at 09:00', 'on Friday at 09:00', 'on Friday
    11 Dec at 09:00'. Never 'in 0 minutes' (waits round up)."""
    local, today = timezone.localtime(when), timezone.localtime(now).date()
    at = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days <= 0:
        soon = when - now < timedelta(hours=1)
        return f"in {wait_label(when - now)}, {'at' if soon else 'today at'} {at}"
    if days == 1:
        return f"tomorrow at {at}"
    if days < 7:
        return f"on {local.strftime('%A')} at {at}"
    return f"on {local.strftime('%A')} {local.day} {local.strftime('%b')} at {at}"
