"""Demo accounts for the embedded mode, so a newcomer can log in as each kind of user."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction

from accounts.models import User
from mentors.models import MentorProfile
from tracks.models import Track


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("learner@example.com", "learn-with-edirae", "learner"),
    DemoAccount("mentor@example.com", "review-with-edirae", "mentor"),
    DemoAccount(
        "admin@example.com", "author-with-edirae", "admin", is_staff=True, is_superuser=True
    ),
)


class DemoAccountsRefused(Exception):
    pass


@transaction.atomic
def ensure_demo_accounts() -> list[DemoAccount]:
    """Create the demo accounts (verified emails) if missing. Embedded mode only; safe twice.

    Existing demo accounts get their documented password back, so the README stays true.
    The demo mentor covers every published track.
    """
    if not settings.EMBEDDED:
        raise DemoAccountsRefused("Demo accounts are only created in embedded mode.")
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(
            email=account.email,
            defaults={"is_staff": account.is_staff, "is_superuser": account.is_superuser},
        )
        user.set_password(account.password)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        if account.role == "mentor":
            profile, _ = MentorProfile.objects.update_or_create(
                user=user, defaults={"is_active": True}
            )
            profile.tracks.add(*Track.objects.published())
    return list(DEMO_ACCOUNTS)
