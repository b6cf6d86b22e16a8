"""Local time for whoever is signed in: every page, fragment and form shows times in it.

A user's zone has one source of truth, the same as for reminders: the zone they chose for
reminders if they did, else the zone of their goals (the active enrollment), else UTC.
`UserTimeZoneMiddleware` activates it for the request, so `{{ when|date }}` and
`timezone.localtime()` speak the user's local time; mails and the calendar feed, rendered
outside a request, use `user_time_zone()` themselves.

It reads `tracks` and `reminders`, so it sits above the apps, in the project package;
`EdiraeConfig.ready` connects its signals. Which names are zones is `edirae.timezones`.
"""

from collections.abc import Callable

from django.core.cache import cache as shared_cache
from django.db.models import OuterRef, Subquery
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from edirae.timezones import DEFAULT_TIME_ZONE, zone_info

# The zone is read on every page, so it lives in the shared cache, written whenever what it
# comes from changes (log-in, goals, reminder preferences: the signals below) so that a page
# costs no query for it. A miss (eviction, a change made outside the ORM) costs one query.
CACHE_SECONDS = 30 * 24 * 3600


def _cache_key(user_id: int) -> str:
    return f"edirae:tz:{user_id}"


def _read_zone(user_id: int) -> str:
    from accounts.models import User
    from tracks.models import Enrollment

    goals = Enrollment.objects.filter(
        learner=OuterRef("pk"), status=Enrollment.Status.ACTIVE
    ).values("time_zone")[:1]
    row = (
        User.objects.filter(pk=user_id)
        .annotate(goals_zone=Subquery(goals))
        .values_list("reminder_preference__time_zone", "goals_zone")
        .first()
    )
    chosen, of_goals = row if row else ("", "")
    return chosen or of_goals or DEFAULT_TIME_ZONE


def remember_time_zone(*, user_id: int) -> str:
    """Read the user's zone from the database and cache it (one query). Safe twice."""
    zone = _read_zone(user_id)
    shared_cache.set(_cache_key(user_id), zone, CACHE_SECONDS)
    return zone


def user_time_zone(*, user_id: int) -> str:
    """The IANA name of the user's zone (no query when cached, one otherwise)."""
    zone = shared_cache.get(_cache_key(user_id))
    return zone if zone is not None else remember_time_zone(user_id=user_id)


def _changed(sender, instance, **kwargs) -> None:
    user_id = getattr(instance, "learner_id", None) or getattr(instance, "user_id", None)
    if user_id:
        remember_time_zone(user_id=user_id)


def _logged_in(sender, request, user, **kwargs) -> None:
    remember_time_zone(user_id=user.pk)


def connect_signals() -> None:
    """Keep the cached zone current (from EdiraeConfig.ready; idempotent)."""
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(_logged_in, dispatch_uid="edirae-tz-login")
    for label in ("tracks.Enrollment", "reminders.ReminderPreference"):
        for signal in (post_save, post_delete):
            signal.connect(_changed, sender=label, dispatch_uid=f"edirae-tz-{label}-{signal}")


class UserTimeZoneMiddleware:
    """Activates the signed-in user's zone for the request (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(zone_info(user_time_zone(user_id=user.pk)))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
