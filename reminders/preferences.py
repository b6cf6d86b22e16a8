"""A user's say over their reminders: preferences (hour, zone, digest, kinds), email
suppression after a permanent refusal (and resuming it), and one-click unsubscribe links.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from reminders.kinds import registry
from reminders.models import KindOptOut, ReminderPreference

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "reminders.unsubscribe"


def save_preferences(
    *, user: User, hour: int, time_zone: str, digest: bool, enabled_kinds: Iterable[str]
) -> ReminderPreference:
    """Stores the user's choices; kinds not in `enabled_kinds` are turned off. Safe to call
    twice (update_or_create and a unique opt-out per kind)."""
    enabled = set(enabled_kinds)
    keys = {kind.key for kind in registry.all()}
    with transaction.atomic():
        preference, _ = ReminderPreference.objects.update_or_create(
            user=user, defaults={"hour": hour, "time_zone": time_zone, "digest": digest}
        )
        KindOptOut.objects.filter(user=user, kind__in=enabled & keys).delete()
        KindOptOut.objects.bulk_create(
            [
                KindOptOut(user=user, kind=key, source=KindOptOut.Source.PREFERENCES)
                for key in sorted(keys - enabled)
            ],
            ignore_conflicts=True,
        )
    return preference


def suppress_email(*, user: User, reason: str) -> None:
    """Stops reminder mail to the user's address for good (until they resume it)."""
    ReminderPreference.objects.update_or_create(
        user=user,
        defaults={"email_suppressed_at": timezone.now(), "email_suppressed_reason": reason},
    )
    logger.warning("Reminder mail suppressed for user %s: %s", user.pk, reason)


def resume_email(*, user: User) -> None:
    """The user says their address works again: reminder mail resumes."""
    ReminderPreference.objects.filter(user=user).update(
        email_suppressed_at=None, email_suppressed_reason=""
    )


def unsubscribe_token(*, user_id: int, kinds: Iterable[str]) -> str:
    """A signed token naming a user and the kinds a link turns off (salted: a token signed
    for another purpose is refused). No expiry: unsubscribe links must keep working."""
    signer = signing.Signer(salt=UNSUBSCRIBE_SALT)
    return signer.sign_object({"u": user_id, "k": sorted(set(kinds))})


def unsubscribe_url(*, user_id: int, kinds: Iterable[str]) -> str:
    token = unsubscribe_token(user_id=user_id, kinds=kinds)
    return settings.SITE_URL + reverse("reminders:unsubscribe", args=[token])


@dataclass(frozen=True)
class Unsubscription:
    user: User
    kinds: list[str]


class InvalidUnsubscribeLink(Exception):
    pass


def read_unsubscribe_token(token: str) -> Unsubscription:
    """The user and kinds a token names; raises InvalidUnsubscribeLink if it was tampered
    with, is not ours, or names a deleted account."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature as exc:
        raise InvalidUnsubscribeLink from exc
    if not (
        isinstance(data, dict)
        and isinstance(data.get("u"), int)
        and isinstance(data.get("k"), list)
        and data["k"]
        and all(isinstance(k, str) and 0 < len(k) <= 64 for k in data["k"])
    ):
        raise InvalidUnsubscribeLink
    user = User.objects.filter(pk=data["u"]).first()
    if user is None:
        raise InvalidUnsubscribeLink
    return Unsubscription(user=user, kinds=data["k"])


def opted_out(*, unsubscription: Unsubscription) -> bool:
    """Has the user already turned off every kind the link names?"""
    done = KindOptOut.objects.filter(user=unsubscription.user, kind__in=unsubscription.kinds)
    return done.count() == len(unsubscription.kinds)


def unsubscribe(*, unsubscription: Unsubscription) -> list[str]:
    """Turns the link's kinds off; returns the kinds that were still on. Idempotent: a second
    call returns [] (the unique opt-out per kind makes it a database fact)."""
    user = unsubscription.user
    already = set(
        KindOptOut.objects.filter(user=user, kind__in=unsubscription.kinds).values_list(
            "kind", flat=True
        )
    )
    new = [kind for kind in unsubscription.kinds if kind not in already]
    KindOptOut.objects.bulk_create(
        [KindOptOut(user=user, kind=k, source=KindOptOut.Source.UNSUBSCRIBE_LINK) for k in new],
        ignore_conflicts=True,
    )
    return new
