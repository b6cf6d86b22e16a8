"""Each user's clock: the time zone and preferred hour their reminders follow, which is also
the zone their pages use (`edirae.local_time`).

The rule has one home, `zone_and_hour` below: the zone the user chose for reminders if they
did, else the zone of their goals (the active enrollment), else UTC; the hour they chose,
else 9 a.m. `keep` stores its result in `UserClock`, so the sweep selects who is at their
hour by an index lookup (`reminders.selectors.at_preferred_hour`) instead of resolving
every user's zone in SQL over all rows.

Who keeps it: `edirae.local_time` calls `keep` from the signals of what the rule reads
(an enrollment or a reminder preference saved or deleted, a user created or logging in):
`tracks` changes goals and the active enrollment by saves (`save_goals`, `activate`), and
`tracks` may not import `reminders`. A change made outside the ORM's save (a queryset
`update()` of an enrollment's zone or status, raw SQL) must call `keep` itself.
"""

from django.db.models import F, FilteredRelation, Q, Value
from django.db.models.functions import Coalesce, NullIf

from accounts.models import User
from reminders.models import UserClock
from reminders.periods import DEFAULT_HOUR, DEFAULT_TIME_ZONE


def zone_and_hour() -> dict:
    """The rule, as annotations of a User queryset (`zone`, `preferred_hour`); the queryset
    must be annotated with `goals=active_enrollment()`."""
    return {
        "zone": Coalesce(
            NullIf(F("reminder_preference__time_zone"), Value("")),
            NullIf(F("goals__time_zone"), Value("")),
            Value(DEFAULT_TIME_ZONE),
        ),
        "preferred_hour": Coalesce(F("reminder_preference__hour"), Value(DEFAULT_HOUR)),
    }


def active_enrollment() -> FilteredRelation:
    """The user's active enrollment (their goals), as a LEFT JOIN of at most one row: a
    learner has at most one active enrollment (a database constraint)."""
    return FilteredRelation("enrollments", condition=Q(enrollments__status="active"))


def keep(*, user_id: int, create: bool = True) -> str | None:
    """Store the user's zone and hour as the rule gives them now; return the zone (None when
    the user no longer exists). One query to read, one more only when the stored values
    change. Safe to call twice (the second call writes nothing).

    `create=False` only updates an existing clock: what a deletion calls, so that a user
    deleted with their enrollments (a cascade) does not get their clock back."""
    row = (
        User.objects.filter(pk=user_id)
        .annotate(goals=active_enrollment())
        .annotate(**zone_and_hour())
        .values_list("zone", "preferred_hour", "clock__time_zone", "clock__hour")
        .first()
    )
    if row is None:
        return None
    zone, hour, stored_zone, stored_hour = row
    if (zone, hour) == (stored_zone, stored_hour):
        return zone
    if stored_zone is not None:
        UserClock.objects.filter(user_id=user_id).update(time_zone=zone, hour=hour)
    elif create:
        UserClock.objects.bulk_create(
            [UserClock(user_id=user_id, time_zone=zone, hour=hour)],
            update_conflicts=True,
            unique_fields=["user"],
            update_fields=["time_zone", "hour"],
        )
    return zone


def start(*, user_id: int) -> None:
    """A new user's clock: the defaults (no preference, no goals yet). One INSERT; a user
    who already has one keeps it."""
    UserClock.objects.bulk_create([UserClock(user_id=user_id)], ignore_conflicts=True)


def stored_zone(*, user_id: int) -> str | None:
    """The stored zone (one query); None if the user has no clock yet."""
    return UserClock.objects.filter(user_id=user_id).values_list("time_zone", flat=True).first()


def keep_everyone(*, batch: int = 5_000) -> int:
    """Every user's clock from the rule, in batches of set-based writes: for rows written
    outside the ORM's save (bulk inserts, a data fix). Returns how many users it covered.
    Safe to call twice."""
    rows = (
        User.objects.annotate(goals=active_enrollment())
        .annotate(**zone_and_hour())
        .order_by("pk")
        .values_list("pk", "zone", "preferred_hour")
    )
    clocks, total = [], 0
    for pk, zone, hour in rows.iterator(chunk_size=batch):
        clocks.append(UserClock(user_id=pk, time_zone=zone, hour=hour))
        if len(clocks) == batch:
            total += _upsert(clocks)
            clocks = []
    return total + _upsert(clocks)


def _upsert(clocks: list[UserClock]) -> int:
    UserClock.objects.bulk_create(
        clocks, update_conflicts=True, unique_fields=["user"], update_fields=["time_zone", "hour"]
    )
    return len(clocks)
