"""Mentors' claims on submissions (a lock taken by a conditional UPDATE), who may review a
track, and the reviewers of last resort."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from mentors import selectors
from mentors.models import MentorProfile, Submission
from mentors.services.states import ClaimRefused, IllegalTransition, _now

State = Submission.State


# --- Mentors: claims ------------------------------------------------------------------------


def covers_track(profile: MentorProfile, track_id: int) -> bool:
    """Whether `profile` reviews the track: it lists it, or it is a staff fallback reviewer
    and no active mentor covers the track (the rule `selectors.visible_to` applies too)."""
    if profile.tracks.filter(pk=track_id).exists():
        return True
    return (
        profile.is_fallback_reviewer
        and profile.user.is_staff
        and selectors.reviewers_for(track=track_id) != selectors.Reviewers.MENTORS
    )


def _mentor_may_review(mentor: User, submission: Submission) -> MentorProfile:
    profile = MentorProfile.objects.filter(user=mentor, is_active=True).first()
    if profile is None:
        raise ClaimRefused("Only mentors review evidence.")
    profile.user = mentor  # already loaded: spare a query
    if submission.learner_id == mentor.pk:
        raise ClaimRefused("You cannot review your own work.")
    if not covers_track(profile, submission.track_id):
        raise ClaimRefused("This submission belongs to a track you do not cover.")
    return profile


def claim(*, submission: Submission, mentor: User, now: datetime | None = None) -> Submission:
    """Lock `submission` for `mentor` for EVIDENCE_CLAIM_MINUTES; claiming again extends it.

    One conditional UPDATE takes the lock only if the submission is waiting, or its claim
    has expired, or the mentor already holds it: when two mentors claim at once the database
    lets exactly one win. A mentor holds at most EVIDENCE_MAX_CLAIMS_PER_MENTOR live claims
    (their profile row is locked while counting). Safe to call twice (it extends).
    """
    now = _now(now)
    profile = _mentor_may_review(mentor, submission)
    with transaction.atomic():
        MentorProfile.objects.select_for_update().filter(pk=profile.pk).first()
        held = (
            Submission.objects.filter(
                claimed_by=mentor, state=State.IN_REVIEW, claim_expires_at__gt=now
            )
            .exclude(pk=submission.pk)
            .count()
        )
        limit = settings.EVIDENCE_MAX_CLAIMS_PER_MENTOR
        if held >= limit:
            raise ClaimRefused(
                f"You already hold {held} claims (the most at once is {limit}): "
                "review or release one first."
            )
        expires = now + timedelta(minutes=settings.EVIDENCE_CLAIM_MINUTES)
        if submission.state not in (State.SUBMITTED, State.IN_REVIEW):
            raise IllegalTransition(current=submission.state, target=State.IN_REVIEW)
        won = (
            Submission.objects.filter(pk=submission.pk)
            .filter(
                Q(state=State.SUBMITTED)
                | Q(state=State.IN_REVIEW, claim_expires_at__lte=now)
                | Q(state=State.IN_REVIEW, claimed_by=mentor)
            )
            .update(
                state=State.IN_REVIEW, claimed_by=mentor, claim_expires_at=expires, updated_at=now
            )
        )
    if not won:
        submission.refresh_from_db()
        if submission.state == State.IN_REVIEW:
            raise ClaimRefused("Another mentor claimed this submission a moment ago.")
        raise IllegalTransition(current=submission.state, target=State.IN_REVIEW)
    submission.state = State.IN_REVIEW
    submission.claimed_by = mentor
    submission.claim_expires_at = expires
    return submission


def release_claim(*, submission: Submission, mentor: User) -> Submission:
    """Give the submission back to the queue. Refused unless `mentor` holds the claim."""
    released = Submission.objects.filter(
        pk=submission.pk, state=State.IN_REVIEW, claimed_by=mentor
    ).update(
        state=State.SUBMITTED, claimed_by=None, claim_expires_at=None, updated_at=timezone.now()
    )
    if not released:
        raise ClaimRefused("You do not hold a claim on this submission.")
    submission.state, submission.claimed_by, submission.claim_expires_at = (
        State.SUBMITTED,
        None,
        None,
    )
    return submission


def release_expired_claims(*, now: datetime | None = None) -> int:
    """Put submissions whose claim expired back in the queue. One UPDATE; safe twice."""
    now = _now(now)
    return Submission.objects.filter(state=State.IN_REVIEW, claim_expires_at__lte=now).update(
        state=State.SUBMITTED, claimed_by=None, claim_expires_at=None, updated_at=now
    )


# --- Reviewers of last resort ---------------------------------------------------------------


def make_fallback_reviewer(*, user: User) -> MentorProfile:
    """Make a staff user a fallback reviewer: they review evidence of every track that no
    active mentor covers. Refuses a user who is not staff. Safe twice."""
    if not user.is_staff:
        raise ValidationError(f"{user.email} is not staff: only staff can be fallback reviewers.")
    profile, _ = MentorProfile.objects.update_or_create(
        user=user, defaults={"is_active": True, "is_fallback_reviewer": True}
    )
    return profile
