"""Signal receivers (interfaces only: no rules here)."""

from mentors.models import MentorProfile


def remember_mentor_on_login(sender, request, user, **kwargs) -> None:
    """Keep "is this user a mentor?" in the session so the header's "Review queue" link
    costs no query on every page. The queue page refreshes it."""
    if request is not None and hasattr(request, "session"):
        request.session["is_mentor"] = MentorProfile.objects.filter(
            user=user, is_active=True
        ).exists()
