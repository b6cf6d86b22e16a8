from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from reminders import selectors


def notifications(request: HttpRequest) -> dict:
    """`unread_notifications` for the bell in the header: read (`selectors.unread_count`, a
    kept count) only when a template uses it, for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user=user))}
