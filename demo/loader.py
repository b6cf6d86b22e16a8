"""Demo accounts and the demo learner's plan for the embedded mode, so a newcomer can log in
as each kind of user and see a dashboard at once."""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from mentors.models import MentorProfile
from tracks import services
from tracks.models import Enrollment, Track


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
    The demo mentor covers every published track; the demo admin is the fallback reviewer
    (so the seed tracks can be published before the mentor exists: see load_demo).
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
        if account.role == "admin":
            # The staff reviewer of last resort: evidence on a track that no mentor covers
            # (one an admin just published, say) lands in the admin's review queue.
            MentorProfile.objects.update_or_create(
                user=user, defaults={"is_active": True, "is_fallback_reviewer": True}
            )
    return list(DEMO_ACCOUNTS)


DEMO_PLAN_TRACK = "ai-engineering"


def ensure_demo_plan() -> bool:
    """Give the demo learner goals and a plan on AI Engineering, three weeks in, with one key
    action ticked, so a newcomer sees a dashboard at once. Embedded mode only. Safe twice: a
    demo learner who already has a plan (theirs, or an earlier run's) is left alone.

    Returns True when it made the plan.
    """
    if not settings.EMBEDDED:
        raise DemoAccountsRefused("Demo accounts are only created in embedded mode.")
    learner = User.objects.filter(email=DEMO_ACCOUNTS[0].email).first()
    track = Track.objects.published().filter(slug=DEMO_PLAN_TRACK).first()
    if learner is None or track is None or Enrollment.objects.filter(learner=learner).exists():
        return False
    three_weeks_ago = timezone.now() - timedelta(weeks=3)
    saved = services.save_goals(
        learner=learner,
        goals=services.GoalsInput(
            track=track,
            background="software-engineer",
            hours_per_week=10,
            time_zone="UTC",
            skills=tuple(track.skills.filter(slug__in=["statistics", "linear-algebra"])),
        ),
        now=three_weeks_ago,
    )
    first = saved.enrollment.key_action_progress.order_by(
        "key_action__phase__order", "key_action__order"
    ).first()
    if first is not None:
        services.set_key_action_done(progress=first, done=True, now=three_weeks_ago)
    return True
