"""Local time for whoever is signed in: every page, fragment and form shows times in it.

A user's zone has one source of truth, the same as for reminders: the zone they chose for
reminders if they did, else the zone of their goals (the active enrollment), else UTC
(the rule lives in `reminders.clock`, which stores it; the signals below keep it current).
`UserTimeZoneMiddleware` activates it for the request, so `{{ when|date }}` and
`timezone.localtime()` speak the user's local time; mails and the calendar feed, rendered
outside a request, use `user_time_zone()` themselves.

It reads `tracks` and `reminders`, so it sits above the apps, in the project package;
`EdiraeConfig.ready` connects its signals. Which names are zones is `edirae.timezones`.
"""

from collections.abc import Callable

from django.core.cache import cache as shared_cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from edirae.timezones import DEFAULT_TIME_ZONE, zone_info
from reminders import clock

# The zone is read on every page, so it lives in the shared cache, written whenever what it
# comes from changes (log-in, goals, reminder preferences: the signals below) so that a page
# costs no query for it. A miss (eviction) costs one query: the stored clock.
CACHE_SECONDS = 30 * 24 * 3600


def _cache_key(user_id: int) -> str:
    return f"edirae:tz:{user_id}"


def remember_time_zone(*, user_id: int, create: bool = True) -> str:
    """Bring the user's stored clock up to date (`reminders.clock.keep`: the rule's one
    home) and cache their zone. One query, two when the zone or hour changed. Safe twice."""
    zone = clock.keep(user_id=user_id, create=create) or DEFAULT_TIME_ZONE
    shared_cache.set(_cache_key(user_id), zone, CACHE_SECONDS)
    return zone


def user_time_zone(*, user_id: int) -> str:
    """The IANA name of the user's zone (no query when cached, one otherwise)."""
    zone = shared_cache.get(_cache_key(user_id))
    if zone is not None:
        return zone
    zone = clock.stored_zone(user_id=user_id)
    if zone is None:  # no clock yet (a user created by a bulk insert)
        return remember_time_zone(user_id=user_id)
    shared_cache.set(_cache_key(user_id), zone, CACHE_SECONDS)
    return zone


def _saved(sender, instance, **kwargs) -> None:
    user_id = getattr(instance, "learner_id", None) or getattr(instance, "user_id", None)
    if user_id:
        remember_time_zone(user_id=user_id)


def _deleted(sender, instance, **kwargs) -> None:
    # Update only: when the user is being deleted too, their clock must not come back.
    user_id = getattr(instance, "learner_id", None) or getattr(instance, "user_id", None)
    if user_id:
        remember_time_zone(user_id=user_id, create=False)


def _user_created(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        clock.start(user_id=instance.pk)


def _logged_in(sender, request, user, **kwargs) -> None:
    remember_time_zone(user_id=user.pk)


def connect_signals() -> None:
    """Keep the stored clock and the cached zone current (from EdiraeConfig.ready;
    idempotent)."""
    from django.conf import settings
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(_logged_in, dispatch_uid="edirae-tz-login")
    post_save.connect(_user_created, sender=settings.AUTH_USER_MODEL, dispatch_uid="edirae-tz-user")
    for label in ("tracks.Enrollment", "reminders.ReminderPreference"):
        post_save.connect(_saved, sender=label, dispatch_uid=f"edirae-tz-{label}-saved")
        post_delete.connect(_deleted, sender=label, dispatch_uid=f"edirae-tz-{label}-deleted")


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
