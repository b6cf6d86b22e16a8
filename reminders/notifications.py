"""In-app notifications: read marks (they are written by `reminders.delivery`)."""

from django.utils import timezone

from accounts.models import User
from reminders.models import Notification


def mark_read(*, notification: Notification) -> Notification:
    """Marks one notification read (keeps the first read time; safe to call twice)."""
    Notification.objects.filter(id=notification.id, read_at=None).update(read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_read(*, user: User) -> int:
    """Marks every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
