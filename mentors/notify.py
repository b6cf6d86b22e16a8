"""Emails about evidence, sent after the transaction that caused them commits.

Minimal on purpose: the reminders issue will route these through its notification system
(recorded, deduplicated, respecting each user's preferences). The in-app side is
`Submission.review_unseen` (learners) and the queue itself (mentors).
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from accounts.models import User
from mentors.models import Review, Submission

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def learner_reviewed(*, review_id: int) -> None:
    """Tell the learner their evidence was reviewed. Never raises: the review is recorded."""
    review = Review.objects.select_related(
        "round__submission__learner", "round__submission__key_action"
    ).get(pk=review_id)
    submission = review.round.submission
    if review.approved:
        subject = "Your evidence was approved"
        opening = "A mentor approved your evidence for:"
    else:
        subject = "A mentor asked for changes to your evidence"
        opening = "A mentor reviewed your evidence and asked for changes to:"
    body = (
        f"{opening}\n\n  {submission.key_action.text}\n\n"
        f"Read the feedback: {_absolute(submission.get_absolute_url())}\n"
    )
    try:
        send_mail(f"[Edirae] {subject}", body, None, [submission.learner.email])
    except Exception:  # a mail server outage must not undo or repeat the review
        logger.exception("Could not email the learner about review %s", review_id)


def staff_escalated(*, submission_id: int) -> None:
    """Tell staff a submission waited past the review promise. Never raises."""
    submission = Submission.objects.select_related("track", "phase", "key_action").get(
        pk=submission_id
    )
    recipients = list(
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    hours = settings.EVIDENCE_REVIEW_PROMISE_HOURS
    body = (
        f"Evidence has waited more than {hours} hours for a mentor. It is now offered to every "
        f"mentor of the track.\n\n"
        f"Track: {submission.track.title}\n"
        f"Phase: {submission.phase.title}\n"
        f"Key action: {submission.key_action.text}\n"
        f"Waiting since: {submission.submitted_at:%Y-%m-%d %H:%M} UTC\n\n"
        f"Review it: {_absolute(reverse('mentors:review', kwargs={'pk': submission.pk}))}\n"
    )
    try:
        send_mail(
            f"[Edirae] Evidence waiting past the {hours} h promise ({submission.track.title})",
            body,
            None,
            recipients,
        )
    except Exception:
        logger.exception("Could not email staff about escalated submission %s", submission_id)
