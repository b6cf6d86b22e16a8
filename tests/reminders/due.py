"""Which users one reminder kind finds due at a moment (the reminder kind tests read this).

Dates: Monday 23 November 2026 starts ISO week 48. Paris is UTC+1 in November, so a learner
without preferences, enrolled with Paris goals, is reminded at 09:00 Paris = 08:00 UTC.
"""

from reminders import selectors
from reminders.kinds import registry

PARIS_9AM = 8  # the UTC hour of 09:00 in Paris in November


def due(key, now) -> dict[int, tuple[str, dict]]:
    """{user id: (period, payload)} of one kind due at `now`."""
    kind = registry.get(key)
    return {
        d.user_id: (d.period, d.payload)
        for d in kind.due(now=now, recipients=selectors.recipients(kind=kind, now=now))
    }
