"""Reads of evidence for pages, the queue and (later) the gate. Query counts do not grow
with the number of submissions, rounds or reviews shown."""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from mentors.models import (
    MentorAssignment,
    MentorProfile,
    Review,
    ReviewScore,
    Rubric,
    RubricCriterion,
    RubricLevel,
    Submission,
    SubmissionFile,
    SubmissionRound,
)
from tracks import content_memo, gates
from tracks.models import KeyAction, Phase, PhaseProgress, Track
from tracks.selectors import track_key_actions, track_phases

State = Submission.State


# --- For the gate ---------------------------------------------------------------------------


def counted_submissions(
    *, learner: User | int, phase: Phase, window: gates.EvidenceWindow | None
) -> QuerySet[Submission]:
    """The learner's submissions of the phase that the evidence_approved gate reads: started
    inside the evidence window, plus work a mentor approved before (approval is final; see
    tracks.gates.EvidenceWindow). The gate and the review page both read this, so a page
    never shows two approved counts. With no window (not enrolled), every submission."""
    learner_id = learner if isinstance(learner, int) else learner.pk
    submissions = Submission.objects.filter(learner_id=learner_id, phase=phase)
    if window is None:
        return submissions
    return submissions.filter(window.q("created_at", carried_in=Q(state=State.APPROVED)))


def approved_submission_count(
    *, learner: User, phase: Phase, window: gates.EvidenceWindow | None
) -> int:
    """How many submissions of the phase count as approved for its gate. One query."""
    return (
        counted_submissions(learner=learner, phase=phase, window=window)
        .filter(state=State.APPROVED)
        .count()
    )


# --- Learners -------------------------------------------------------------------------------


def evidence_key_action(*, pk: int) -> KeyAction:
    """A key action that takes evidence, on a published track (404 otherwise).

    Until enrollments exist any such key action may be submitted for; then this must also
    require the key action's phase to be unlocked for the learner.
    """
    return get_object_or_404(
        KeyAction.objects.select_related("phase__track").filter(
            needs_evidence=True, phase__track__status=Track.Status.PUBLISHED
        ),
        pk=pk,
    )


def evidence_key_actions(*, learner: User) -> QuerySet[KeyAction]:
    """The key actions needing evidence in the learner's open (or mastered) phases, in track
    and phase order: what they can send work for now (one query; a locked phase's evidence
    would be refused anyway)."""
    return (
        KeyAction.objects.filter(
            needs_evidence=True,
            retired=False,
            phase__track__status=Track.Status.PUBLISHED,
            phase__progress__enrollment__learner=learner,
            phase__progress__state__in=[PhaseProgress.State.UNLOCKED, PhaseProgress.State.MASTERED],
        )
        .select_related("phase__track")
        .order_by("phase__track__title", "phase__order", "order")
    )


def live_submission_for(*, learner: User, key_action: KeyAction) -> Submission | None:
    return (
        Submission.objects.filter(learner=learner, key_action=key_action)
        .exclude(state=State.WITHDRAWN)
        .first()
    )


def submissions_of(*, learner: User) -> QuerySet[Submission]:
    """The learner's submissions, reviewed-but-unseen first, then the most recent."""
    return (
        Submission.objects.filter(learner=learner)
        .select_related("key_action", "phase", "track")
        .annotate(round_count=Count("rounds"))
        .order_by("-review_unseen", "-updated_at")
    )


def get_submission_for_learner(*, learner: User, pk: int) -> Submission:
    """The learner's own submission; 404 for anyone else's."""
    return get_object_or_404(
        Submission.objects.select_related("key_action", "phase", "track", "learner"),
        pk=pk,
        learner=learner,
    )


def history(*, submission: Submission) -> list[SubmissionRound]:
    """Every round, newest first, with its files, review and scores (four queries)."""
    return list(
        submission.rounds.order_by("-number").prefetch_related(
            Prefetch("files", queryset=SubmissionFile.objects.order_by("id")),
            Prefetch(
                "review",
                queryset=Review.objects.select_related("mentor").prefetch_related(
                    Prefetch(
                        "scores",
                        queryset=ReviewScore.objects.select_related("criterion", "level").order_by(
                            "criterion__order"
                        ),
                    )
                ),
            ),
        )
    )


# --- Who reviews a track --------------------------------------------------------------------


class Reviewers:
    """Who will review evidence sent on a track, in the words the learner is told."""

    MENTORS = "mentors"  # at least one active mentor covers the track
    FALLBACK = "fallback"  # none does: the staff's fallback reviewers take it
    NOBODY = "nobody"  # neither: the work waits, and staff are told once it is overdue


def mentor_covers(track: OuterRef | Track | int) -> Exists:
    """An `Exists` that is true when an active mentor lists the track (for annotations)."""
    return Exists(MentorProfile.objects.filter(is_active=True, tracks=track))


def reviewers_for(*, track: Track | int) -> str:
    """`Reviewers.MENTORS`, `FALLBACK` or `NOBODY` for `track`. One query."""
    flags = MentorProfile.objects.filter(is_active=True).aggregate(
        mentors=Count("pk", filter=Q(tracks=track)),
        fallback=Count("pk", filter=Q(is_fallback_reviewer=True, user__is_staff=True)),
    )
    if flags["mentors"]:
        return Reviewers.MENTORS
    return Reviewers.FALLBACK if flags["fallback"] else Reviewers.NOBODY


@dataclass(frozen=True)
class Wait:
    """What the learner is told while waiting: the promise, where they stand, and who will
    review (a mentor of the track, a staff reviewer standing in, or for now nobody)."""

    position: int
    promised_by: datetime
    overdue: bool
    reviewers: str = Reviewers.MENTORS


def wait_for(*, submission: Submission, now: datetime | None = None) -> Wait | None:
    """Queue position among the track's waiting submissions, the promised time and who will
    review. Two queries."""
    if not submission.is_waiting or submission.submitted_at is None:
        return None
    now = now or timezone.now()
    ahead = Submission.objects.filter(
        track_id=submission.track_id,
        state__in=Submission.WAITING_STATES,
        submitted_at__lt=submission.submitted_at,
    ).count()
    promised_by = submission.promised_by()
    return Wait(
        position=ahead + 1,
        promised_by=promised_by,
        overdue=now > promised_by,
        reviewers=reviewers_for(track=submission.track_id),
    )


# --- Rubrics --------------------------------------------------------------------------------


def rubric_for(*, key_action: KeyAction, track: Track) -> Rubric | None:
    """The key action's own rubric, else its phase's, with criteria and levels. `track` is the
    key action's, as read in this request: its rubrics are its content, read in 3 queries
    once per process and change of it (`content_memo`), shared: never changed."""
    by_action, by_phase = _rubrics(track)
    return by_action.get(key_action.pk) or by_phase.get(key_action.phase_id)


def _rubrics(track: Track) -> tuple[dict[int, Rubric], dict[int, Rubric]]:
    """The track's rubrics: the key actions' own by key action, the phases' by phase."""

    def read() -> tuple[dict[int, Rubric], dict[int, Rubric]]:
        by_action: dict[int, Rubric] = {}
        by_phase: dict[int, Rubric] = {}
        rubrics = Rubric.objects.filter(phase__track=track).prefetch_related(
            Prefetch(
                "criteria",
                queryset=RubricCriterion.objects.order_by("order").prefetch_related(
                    Prefetch("levels", queryset=RubricLevel.objects.order_by("score"))
                ),
            )
        )
        for rubric in rubrics.order_by():
            if rubric.key_action_id is not None:
                by_action[rubric.key_action_id] = rubric
            else:
                by_phase[rubric.phase_id] = rubric
        return by_action, by_phase

    return content_memo.memoized(track, "rubrics", read)


# --- Mentors --------------------------------------------------------------------------------


def mentor_profile_for(user: User) -> MentorProfile | None:
    if not user.is_authenticated:
        return None
    profile = MentorProfile.objects.filter(user=user, is_active=True).order_by().first()
    if profile is not None:
        profile.user = user  # already loaded: spare a query
    return profile


def require_mentor(user: User) -> MentorProfile:
    """The user's active mentor profile; 404 for everyone else (mentor pages do not exist
    for them)."""
    profile = mentor_profile_for(user)
    if profile is None:
        raise Http404("Not a mentor.")
    return profile


def visible_to(*, profile: MentorProfile) -> QuerySet[Submission]:
    """Submissions this mentor may see: sent, in a track they cover (for a fallback reviewer,
    also any track no active mentor covers), not their own, and in
    the shared pool or assigned to them, unless escalated (then every mentor of the track
    sees it). Whatever they claimed or reviewed stays visible to them."""
    mentor = profile.user
    assigned_elsewhere = MentorAssignment.objects.filter(
        learner=OuterRef("learner"), track=OuterRef("track"), mentor__isnull=False
    ).exclude(mentor=profile)
    reviewed_by_me = Review.objects.filter(round__submission=OuterRef("pk"), mentor=mentor)
    covered = Q(track__in=profile.tracks.all())
    if profile.is_fallback_reviewer and profile.user.is_staff:
        # Evidence must always reach a reviewer: tracks no active mentor covers fall to staff.
        covered |= ~mentor_covers(OuterRef("track"))
    return (
        Submission.objects.filter(covered)
        .exclude(learner=mentor)
        .exclude(state=State.DRAFT)
        .filter(
            ~Exists(assigned_elsewhere)
            | Q(escalated_at__isnull=False)
            | Q(claimed_by=mentor)
            | Exists(reviewed_by_me)
        )
    )


def get_submission_for_mentor(*, profile: MentorProfile, pk: int) -> Submission:
    """A submission this mentor may see; 404 otherwise (another track, their own...)."""
    return get_object_or_404(
        visible_to(profile=profile).select_related(
            "key_action", "phase", "track", "learner", "claimed_by"
        ),
        pk=pk,
    )


QUEUE_PAGE_SIZE = 25


def queue(*, profile: MentorProfile, page: int = 1) -> list[Submission]:
    """One page of the waiting submissions the mentor may review, oldest first (one query),
    each with the number of its current round and whether it is assigned to this mentor.

    A page holds QUEUE_PAGE_SIZE submissions; one more is fetched so the page knows whether
    a next page exists (`queue_has_more`) without a COUNT over the whole queue."""
    assigned_to_me = MentorAssignment.objects.filter(
        learner=OuterRef("learner"), track=OuterRef("track"), mentor=profile
    )
    rounds = (
        SubmissionRound.objects.filter(submission=OuterRef("pk"))
        .order_by()
        .values("submission")
        .annotate(n=Count("pk"))
        .values("n")
    )
    start = (max(page, 1) - 1) * QUEUE_PAGE_SIZE
    # The page's ids first (the visibility rules over the waiting rows, no join), then only
    # those rows with their details: the joins and counts never run over the whole queue.
    page_ids = (
        visible_to(profile=profile)
        .filter(state__in=Submission.WAITING_STATES)
        .order_by("submitted_at", "pk")
        .values("pk")[start : start + QUEUE_PAGE_SIZE + 1]
    )
    items = list(
        Submission.objects.filter(pk__in=page_ids)
        .select_related("track", "learner")
        .annotate(round_count=Subquery(rounds), assigned_to_me=Exists(assigned_to_me))
        .order_by("submitted_at", "pk")
    )
    for item in items:  # the key action and the phase: the track's content, memoized
        item.key_action = track_key_actions(item.track)[item.key_action_id]
        item.phase = next(p for p in track_phases(item.track) if p.pk == item.phase_id)
    return items


def queue_has_more(items: list[Submission]) -> bool:
    """Whether `queue()` found more than a page (then the extra one is not shown)."""
    return len(items) > QUEUE_PAGE_SIZE


@dataclass(frozen=True)
class MentorStats:
    reviews_this_week: int
    weekly_capacity: int
    approvals_this_week: int
    median_wait: timedelta | None  # the mentor's tracks, reviews of the last 30 days
    my_median_wait: timedelta | None
    reviewed_last_30_days: int
    waiting_now: int
    overdue_now: int


def start_of_week(now: datetime) -> datetime:
    local = timezone.localtime(now)
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def mentor_stats(*, profile: MentorProfile, now: datetime | None = None) -> MentorStats:
    """The statistics page: this week's reviews and the median wait (three queries)."""
    now = now or timezone.now()
    week = start_of_week(now)
    mine = Review.objects.filter(mentor=profile.user, created_at__gte=week).aggregate(
        total=Count("pk"), approved=Count("pk", filter=Q(verdict=Review.Verdict.APPROVE))
    )
    recent = list(
        Review.objects.filter(
            round__submission__track__mentor_profiles=profile,
            created_at__gte=now - timedelta(days=30),
            waited__isnull=False,
        ).values_list("mentor_id", "waited")
    )
    waits = [waited for _, waited in recent]
    my_waits = [waited for mentor_id, waited in recent if mentor_id == profile.user_id]
    deadline = now - timedelta(hours=settings.EVIDENCE_REVIEW_PROMISE_HOURS)
    waiting = visible_to(profile=profile).aggregate(
        waiting=Count("pk", filter=Q(state__in=Submission.WAITING_STATES)),
        overdue=Count(
            "pk", filter=Q(state__in=Submission.WAITING_STATES, submitted_at__lte=deadline)
        ),
    )
    return MentorStats(
        reviews_this_week=mine["total"],
        weekly_capacity=profile.weekly_capacity,
        approvals_this_week=mine["approved"],
        median_wait=statistics.median(waits) if waits else None,
        my_median_wait=statistics.median(my_waits) if my_waits else None,
        reviewed_last_30_days=len(waits),
        waiting_now=waiting["waiting"],
        overdue_now=waiting["overdue"],
    )


def files_visible_to(*, user: User, profile: MentorProfile | None) -> QuerySet[SubmissionFile]:
    """Files the user may download: of their own submissions, or of ones they may review."""
    condition = Q(round__submission__learner=user)
    if profile is not None:
        condition |= Q(round__submission__in=visible_to(profile=profile).values("pk"))
    return SubmissionFile.objects.filter(condition)
