"""Reads for reminders: who may get reminders now, preferences, notifications.

Every function here builds one query at most (or returns an unevaluated queryset): the
sweep's cost does not depend on the number of users.
"""

from datetime import datetime
from functools import reduce
from operator import or_

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from accounts.models import User
from reminders.clock import active_enrollment
from reminders.kinds import DIGEST, Kind
from reminders.models import KindOptOut, Notification, Reminder, ReminderPreference
from reminders.periods import DEFAULT_HOUR, DEFAULT_TIME_ZONE, hours_in_window, zones_by_local_hour
from tracks.models import Enrollment


def audience() -> QuerySet[User]:
    """Users who may get reminders at all: active, with a verified primary email address.

    Annotated with their reminder settings (defaults for users without a preference row):
    `reminder_time_zone`, `reminder_hour`, `reminder_digest`, `reminder_email_suppressed_at`.
    (F() through the reverse one-to-one keeps a LEFT JOIN: users without a row stay in.)

    The zone and hour are the user's stored clock (`reminders.clock`: the zone they chose
    for reminders, else their goals' zone, else UTC), kept current when a preference or
    the active enrollment changes; `goals` is the active enrollment, for the learner kinds."""
    preference = "reminder_preference__"
    return (
        User.objects.filter(is_active=True)
        .filter(
            Exists(EmailAddress.objects.filter(user=OuterRef("pk"), primary=True, verified=True))
        )
        .annotate(goals=active_enrollment())
        .annotate(
            reminder_time_zone=Coalesce(F("clock__time_zone"), Value(DEFAULT_TIME_ZONE)),
            reminder_hour=Coalesce(F("clock__hour"), Value(DEFAULT_HOUR)),
            reminder_digest=Coalesce(F(preference + "digest"), Value(False)),
            reminder_email_suppressed_at=F(preference + "email_suppressed_at"),
        )
    )


def due_hours(*, now: datetime, prefix: str = "") -> Q:
    """The clocks at their preferred hour now (or in the hour after it, see
    `periods.HOUR_WINDOW`): for each preferred hour, the zones whose local hour is in its
    window; one range of the `(hour, time_zone, user)` index per hour. `prefix` reaches the
    clock from another model (`clock__` from a user)."""
    zones_at = zones_by_local_hour(now)
    matches = []
    for preferred in range(24):
        zones = sorted(
            zone
            for local, members in zones_at.items()
            if preferred in hours_in_window(local)
            for zone in members
        )
        if zones:
            matches.append(Q(**{prefix + "hour": preferred, prefix + "time_zone__in": zones}))
    return reduce(or_, matches)


def at_preferred_hour(users: QuerySet[User], *, now: datetime) -> QuerySet[User]:
    """Users (from `audience`) whose local clock is now at their preferred hour (or in the
    hour after it): those whose stored clock is due (`due_hours`), found by the index and
    not by reading every user's zone and hour. (The filter joins the clock `audience`
    annotates from, so it is joined once.)"""
    return users.filter(due_hours(now=now, prefix="clock__"))


def recipients(*, kind: Kind, now: datetime) -> QuerySet[User]:
    """Users who may get `kind` now: the audience, minus those who turned the kind off,
    restricted to their preferred hour if the kind is hour-bound. Unevaluated."""
    users = audience().filter(
        ~Exists(KindOptOut.objects.filter(user=OuterRef("pk"), kind=kind.key))
    )
    return at_preferred_hour(users, now=now) if kind.hour_bound else users


def digest_recipients(*, now: datetime) -> QuerySet[User]:
    """Digest users at their preferred hour with at least one reminder waiting for the
    digest. Unevaluated."""
    waiting = Reminder.objects.filter(
        user=OuterRef("pk"), state=Reminder.State.PENDING, digest=None
    ).exclude(kind=DIGEST)
    users = audience().filter(reminder_digest=True, reminder_email_suppressed_at=None)
    return at_preferred_hour(users, now=now).filter(Exists(waiting))


def preference_for(*, user: User) -> ReminderPreference:
    """The user's preferences, or unsaved defaults when they never saved any.

    `goals_time_zone` is the zone reminders use when the user has chosen none (see
    `audience`): their goals' zone, or "" (UTC) without an active enrollment. Read only
    when needed (a second query)."""
    preference = ReminderPreference.objects.filter(user=user).first() or ReminderPreference(
        user=user
    )
    preference.goals_time_zone = ""
    if not preference.time_zone:
        preference.goals_time_zone = (
            Enrollment.objects.active()
            .filter(learner=user)
            .exclude(time_zone="")
            .values_list("time_zone", flat=True)
            .first()
            or ""
        )
    return preference


def opted_out_kinds(*, user: User) -> set[str]:
    return set(KindOptOut.objects.filter(user=user).values_list("kind", flat=True))


# A kept count nobody reads again expires; so does one a write behind the services' back missed.
UNREAD_KEPT_SECONDS = 15 * 60


def unread_count(*, user: User) -> int:
    """The bell's number: kept in the cache under the user's `notifications_version` as read
    with the user in this request (`reminders.notifications`), so one cache read; counted
    (one COUNT over the partial index of unread notifications) when it moved."""
    key = f"unread-notifications:{user.pk}:{user.notifications_version}"
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user=user, read_at=None).count()
        cache.set(key, count, UNREAD_KEPT_SECONDS)
    return count


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def get_notification_for(*, user: User, pk: int) -> Notification:
    """The user's own notification; 404 for anyone else's."""
    return get_object_or_404(Notification, pk=pk, user=user)
