"""In-app notifications: read marks (they are written by `reminders.delivery`), and the
version the bell's count is kept under.

The bell shows on every page, so its count is kept in the cache under the user's
`notifications_version` (`reminders.selectors.unread_count`). The version lives on the user
row, which every signed-in request reads anyway: the count costs one cache read, and every
change of a user's notifications moves the version in its own transaction
(`notifications_changed`), so a kept count is never older than the notifications. Several web
processes, or one serving from its local fallback while Redis is down, never show an old one.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from reminders.models import Notification


def notifications_changed(*, user_ids: Iterable[int]) -> None:
    """Note that these users' notifications changed (new ones, read marks, deletes): the
    bell's kept count is then left behind. Call it in the transaction of the change. One
    UPDATE; safe twice."""
    ids = set(user_ids)
    if ids:
        User.objects.filter(pk__in=ids).update(notifications_version=F("notifications_version") + 1)


@transaction.atomic
def mark_read(*, notification: Notification) -> Notification:
    """Marks one notification read (keeps the first read time; safe to call twice)."""
    changed = Notification.objects.filter(id=notification.id, read_at=None).update(
        read_at=timezone.now()
    )
    if changed:
        notifications_changed(user_ids=[notification.user_id])
    notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, user: User) -> int:
    """Marks every unread notification of the user read; returns how many changed."""
    changed = Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
    if changed:
        notifications_changed(user_ids=[user.pk])
    return changed
