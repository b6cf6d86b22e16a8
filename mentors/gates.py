"""The criterion kind backed by mentor reviews: evidence_approved.

Registered with tracks.gates from MentorsConfig.ready(). Counts only submissions a mentor
approved; a submission waiting for review never counts (it is shown as waiting).
"""

import math

from django.conf import settings
from django.db.models import Count, F, Max, Min, Q
from django.urls import reverse
from django.utils import formats, timezone

from mentors.models import Submission, SubmissionRound
from mentors.selectors import Reviewers, counted_submissions, reviewers_for
from tracks import gates, momentum
from tracks.models import Enrollment, KeyAction, Phase, Track


def _check(phase: Phase, params: dict[str, int]) -> list[str]:
    available = KeyAction.objects.filter(phase=phase, needs_evidence=True, retired=False).count()
    if available < params["count"]:
        return [
            f"{phase} has {available} key action{'s' if available != 1 else ''} needing "
            f"evidence; {params['count']} approved submissions can never be reached"
        ]
    return []


def _evidence_approved(
    enrollment: Enrollment, phase: Phase, params: dict[str, int]
) -> gates.CriterionResult:
    needed = params["count"]
    # The evidence window: submissions started since enrolling, plus work a mentor approved
    # before (approval is final and cannot be sent again: not counting it deadlocked phases).
    submissions = counted_submissions(
        learner=enrollment.learner_id, phase=phase, window=gates.evidence_window(enrollment)
    )
    figures = submissions.aggregate(
        approved=Count("id", filter=Q(state=Submission.State.APPROVED)),
        waiting=Count("id", filter=Q(state__in=Submission.WAITING_STATES)),
        waiting_since=Min("submitted_at", filter=Q(state__in=Submission.WAITING_STATES)),
        sent_back=Max("pk", filter=Q(state=Submission.State.CHANGES_REQUESTED)),
        draft=Max("pk", filter=Q(state=Submission.State.DRAFT)),
    )
    approved, waiting = figures["approved"], figures["waiting"]
    parts = [f"{approved} approved"]
    if waiting and figures["waiting_since"]:
        # In the viewer's zone (the active one): a Sunday-night submission is Sunday's.
        since = formats.date_format(timezone.localtime(figures["waiting_since"]), "l H:i")
        parts.append(f"{waiting} waiting for review since {since}")
    elif waiting:
        parts.append(f"{waiting} waiting for review")
    met = approved >= needed
    sentence = f"Evidence: {', '.join(parts)}; {needed} needed."
    return gates.CriterionResult(
        kind="evidence_approved",
        label="Mentor-approved evidence",
        met=met,
        current=f"{approved} approved",
        required=f"{needed} approved",
        sentence=sentence,
        progress=approved / needed if needed else 1.0,
        link=reverse("mentors:my_submissions"),
        link_label="Submit or follow your evidence",
        evidence={
            "approved_submissions": list(
                submissions.filter(state=Submission.State.APPROVED).values_list("pk", flat=True)
            )
            if met
            else [],
            "approved": approved,
            "waiting": waiting,
            "sent_back": figures["sent_back"],
            "draft": figures["draft"],
            "waiting_since": figures["waiting_since"].isoformat()
            if figures["waiting_since"]
            else None,
        },
    )


def _publish_check(track: Track) -> list[str]:
    """A track whose gates ask for approved work needs someone to approve it."""
    if reviewers_for(track=track) != Reviewers.NOBODY:
        return []
    return [
        f"{track.title} asks for mentor-approved evidence, but no active mentor covers it and "
        "there is no fallback reviewer: add the track to a mentor's profile (Mentors → Mentor "
        "profiles), or make a staff user a fallback reviewer, then publish."
    ]


_ACT_ON = (
    (
        "sent_back",
        "Revise your evidence",
        "mentors:submission",
        "A mentor sent your work back with feedback: act on it and send it again.",
        gates.RANK_REVISE,
    ),
    (
        "draft",
        "Finish and send your draft",
        "mentors:edit",
        "Your draft counts once a mentor has approved it: send it for review.",
        gates.RANK_SEND,
    ),
)


def _next_step(
    enrollment: Enrollment, phase: Phase, result: gates.CriterionResult
) -> gates.NextStep | None:
    """Feedback to act on first; then a draft to finish or work to send; else the wait."""
    if result.met:
        return None
    facts = result.evidence
    # A submission of theirs to act on, each opening its own page: work sent back first.
    for fact, label, view, reason, rank in _ACT_ON:
        if facts.get(fact):
            return gates.NextStep(
                label=label, url=reverse(view, args=[facts[fact]]), reason=reason, rank=rank
            )
    if facts.get("waiting"):
        promise = settings.EVIDENCE_REVIEW_PROMISE_HOURS
        return gates.NextStep(
            label="Follow your evidence",
            url=reverse("mentors:my_submissions"),
            reason=f"Your work is with a mentor: they promise a review within {promise} hours.",
            rank=gates.RANK_WAIT,
            waiting=True,
        )
    return gates.NextStep(
        label="Send your work to a mentor",
        url=reverse("mentors:my_submissions"),
        reason=result.sentence.replace("Evidence: ", "The gate needs mentor-approved work: "),
        rank=gates.RANK_SEND,
    )


EVIDENCE_APPROVED = gates.CriterionKind(
    key="evidence_approved",
    label="Mentor-approved evidence",
    description="At least `count` submissions for the phase's key actions approved by a mentor.",
    evaluate=_evidence_approved,
    next_step=_next_step,
    params=(gates.Param("count", "Approved submissions", 1, 1, 20),),
    check=_check,
    publish_check=_publish_check,
    # Sent on a day, reviewed within the mentors' promise: one round (the work itself is the
    # phase's study time).
    minimum_days=lambda phase, params: math.ceil(settings.EVIDENCE_REVIEW_PROMISE_HOURS / 24) + 1,
    summary=lambda params: (
        f"{params['count']} piece{'s' if params['count'] != 1 else ''} of work approved by a mentor"
    ),
)


def register() -> None:
    gates.register(EVIDENCE_APPROVED)
    # Study the dashboard's momentum counts: rounds of evidence sent.
    momentum.register_study_source(
        "mentors.rounds",
        lambda learner_id, since: SubmissionRound.objects.filter(
            submission__learner_id=learner_id, submitted_at__gte=since
        ).values(at=F("submitted_at")),
    )
