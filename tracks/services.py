"""Business rules of tracks that touch more than one row."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from tracks import gates, plans
from tracks.graphs import find_cycle
from tracks.models import (
    CalendarFeed,
    Enrollment,
    GateCriterion,
    KeyAction,
    KeyActionProgress,
    Phase,
    PhaseProgress,
    Skill,
    Track,
)
from tracks.progression import advance_after_commit, evidence_changed, record_gate_change
from tracks.selectors import plan_track


def prerequisite_cycle(*, skill: Skill, prerequisites: list[Skill]) -> list[str] | None:
    """The cycle that giving `skill` these prerequisites would create, as names, or None."""
    edges: dict[str, list[str]] = {}
    for source, target in Skill.prerequisites.through.objects.values_list(
        "from_skill__slug", "to_skill__slug"
    ):
        edges.setdefault(source, []).append(target)
    edges[skill.slug] = [p.slug for p in prerequisites]
    cycle = find_cycle(edges)
    if cycle is None:
        return None
    if skill.slug in cycle:  # tell it from the skill being edited: "Python → Docker → Python"
        start = cycle.index(skill.slug)
        cycle = cycle[start:-1] + cycle[:start] + [skill.slug]
    names = dict(Skill.objects.filter(slug__in=cycle).values_list("slug", "name"))
    names[skill.slug] = skill.name
    return [names.get(slug, slug) for slug in cycle]


# --- Gates ----------------------------------------------------------------------------------


@transaction.atomic
def set_gate(*, phase: Phase, criteria: list[tuple[str, dict]]) -> bool:
    """Replace the phase's gate with `criteria` ([(kind, params)], already validated with
    tracks.gates.gate_problems). Returns True when the gate changed.

    Atomic: the old criteria, the new ones and the learners' gate-changed events are
    written together or not at all (the phase row is locked, so two saves run in turn).

    Never touches phase progress: a mastered phase stays mastered. Learners whose open phase
    this is get a gate-changed progress event, so the change is visible in their trail.
    Safe twice: the same criteria change nothing.
    """
    Phase.objects.select_for_update().filter(pk=phase.pk).first()
    before = [
        {"kind": c.kind, **c.params}
        for c in GateCriterion.objects.filter(phase=phase).order_by("order", "id")
    ]
    after = [{"kind": kind, **(params or {})} for kind, params in criteria]
    if before == after:
        return False
    GateCriterion.objects.filter(phase=phase).delete()
    GateCriterion.objects.bulk_create(
        GateCriterion(phase=phase, order=i, kind=kind, params=params or {})
        for i, (kind, params) in enumerate(criteria, start=1)
    )
    record_gate_change(phase=phase, before=before, after=after)
    return True


def publish_problems(*, track: Track) -> list[str]:
    """Why `track` cannot be published as it stands; empty when it can. The one home of
    the rule: the track admin (`TrackPublishForm`) and the track-file import call it.

    Every phase but the last needs a gate: a phase without one would never open the next.
    Every gate must still pass its kinds' checks (gates.gate_problems): content edited since
    the gate was saved, e.g. a quiz bank shrunk below what fresh draws need, is caught here.
    Each criterion kind the gates use may add its own reasons (`CriterionKind.publish_check`:
    evidence_approved refuses a track nobody would review).
    """
    phases = list(
        track.phases.filter(retired=False)
        .annotate(criteria=models.Count("gate_criteria"))
        .prefetch_related("gate_criteria")
        .order_by("order")
    )
    problems = [
        f"Phase {phase.order} ({phase.title}) has no gate: add its criteria before publishing."
        for phase in phases[:-1]
        if phase.criteria == 0
    ]
    for phase in phases:
        criteria = [(c.kind, c.params) for c in phase.gate_criteria.all()]
        problems.extend(
            f"Phase {phase.order} ({phase.title}): {problem}"
            for problem in (gates.gate_problems(phase, criteria) if criteria else [])
        )
    return problems + _criteria_publish_problems(track=track)


def _criteria_publish_problems(*, track: Track) -> list[str]:
    """What the kinds used by the track's gates say against publishing it now (for example,
    nobody would review the evidence that `evidence_approved` asks for)."""
    used = GateCriterion.objects.filter(phase__track=track, phase__retired=False).values_list(
        "kind", flat=True
    )
    problems: list[str] = []
    for key in sorted(set(used)):
        if (kind := gates.get_kind(key)) is not None:
            problems.extend(kind.publish_check(track))
    return problems


# --- Enrollment and plans -------------------------------------------------------------------


@dataclass(frozen=True)
class GoalsInput:
    track: Track
    background: str
    hours_per_week: int
    time_zone: str
    target_date: date | None = None
    skills: tuple[Skill, ...] = ()


@dataclass(frozen=True)
class GoalsSaved:
    enrollment: Enrollment
    enrolled: bool  # True when this call created the enrollment
    resumed: bool  # True when it re-activated a paused enrollment
    changes: list[str]  # what changed in the plan, as sentences for the learner


def local_today(time_zone: str, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(time_zone)).date()


@transaction.atomic
def save_goals(*, learner: User, goals: GoalsInput, now: datetime | None = None) -> GoalsSaved:
    """Enroll `learner` on `goals.track` (or update that enrollment's goals), make it the
    active enrollment, and (re)generate its plan.

    Invariants: a learner has one active enrollment; switching pauses the other, whose
    progress stays as it was. Enrolling unlocks the first phase and locks the rest. Changing
    goals never touches phase progress, ticked key actions or the plan entries of mastered
    phases. Safe to call twice: the second call with the same goals changes nothing.
    """
    now = now or timezone.now()
    # One learner's goal changes run one at a time (the "one active" constraint backs this).
    User.objects.select_for_update().filter(pk=learner.pk).first()
    track_skills = {s.pk for s in goals.track.skills.all()}
    skills = [s for s in goals.skills if s.pk in track_skills]
    fields = {
        "background": goals.background,
        "hours_per_week": goals.hours_per_week,
        "target_date": goals.target_date,
        "time_zone": goals.time_zone,
        "status": Enrollment.Status.ACTIVE,
    }
    Enrollment.objects.filter(learner=learner, status=Enrollment.Status.ACTIVE).exclude(
        track=goals.track
    ).update(status=Enrollment.Status.PAUSED, updated_at=now)
    enrollment = Enrollment.objects.filter(learner=learner, track=goals.track).first()
    enrolled = enrollment is None
    resumed = False
    if enrollment is None:
        enrollment = Enrollment.objects.create(
            learner=learner,
            track=goals.track,
            started_on=local_today(goals.time_zone, now),
            **fields,
        )
    else:
        resumed = enrollment.status == Enrollment.Status.PAUSED
        for name, value in fields.items():
            setattr(enrollment, name, value)
        enrollment.save(update_fields=[*fields, "updated_at"])
    enrollment.skills.set(skills)
    _ensure_progress_rows(enrollment=enrollment, now=now, first_enrollment=enrolled)
    changes = regenerate_plan(enrollment=enrollment, now=now)
    return GoalsSaved(enrollment=enrollment, enrolled=enrolled, resumed=resumed, changes=changes)


def _ensure_progress_rows(*, enrollment: Enrollment, now: datetime, first_enrollment: bool) -> None:
    """A progress row for every phase and key action of the track. Safe twice (unique rows).

    On the first enrollment the first phase is unlocked and the rest locked; phases added to
    the track later arrive locked. Existing rows are never changed here.
    """
    # Retired phases and key actions (they left the track file) are not given to newcomers.
    phases = list(
        enrollment.track.phases.filter(retired=False).order_by("order").values_list("pk", flat=True)
    )
    PhaseProgress.objects.bulk_create(
        [
            PhaseProgress(
                enrollment=enrollment,
                phase_id=phase_id,
                state=PhaseProgress.State.UNLOCKED
                if first_enrollment and i == 0
                else PhaseProgress.State.LOCKED,
                unlocked_at=now if first_enrollment and i == 0 else None,
            )
            for i, phase_id in enumerate(phases)
        ],
        ignore_conflicts=True,
    )
    actions = KeyAction.objects.filter(
        phase__track=enrollment.track, phase__retired=False, retired=False
    ).values_list("pk", flat=True)
    KeyActionProgress.objects.bulk_create(
        [KeyActionProgress(enrollment=enrollment, key_action_id=pk) for pk in actions],
        ignore_conflicts=True,
    )


def regenerate_plan(*, enrollment: Enrollment, now: datetime | None = None) -> list[str]:
    """Write the plan generated from the enrollment's goals; return what changed, as sentences.

    Mastered phases keep their entries of the previous plan. Touches no progress row. Safe
    twice: the second call writes the same plan and reports no change.
    """
    now = now or timezone.now()
    track = plan_track(enrollment.track, enrollment=enrollment)
    old = plans.plan_from_json(enrollment.plan) if enrollment.plan else None
    fixed = {}
    if old is not None:
        mastered = enrollment.phase_progress.filter(state=PhaseProgress.State.MASTERED).values_list(
            "phase_id", flat=True
        )
        fixed = plans.keep_phases(old, mastered)
    goals = plans.Goals(
        background=enrollment.background,
        hours_per_week=enrollment.hours_per_week,
        start=enrollment.started_on,
        target_date=enrollment.target_date,
        skills=frozenset(enrollment.skills.values_list("slug", flat=True)),
    )
    new = plans.generate_plan(track=track, goals=goals, fixed=fixed)
    changes = []
    if old is not None:
        titles = {p.id: p.title for p in track.phases}
        changes = plans.describe_changes(old=old, new=new, titles=titles)
    enrollment.plan = plans.plan_to_json(new)
    enrollment.plan_updated_at = now
    Enrollment.objects.filter(pk=enrollment.pk).update(plan=enrollment.plan, plan_updated_at=now)
    return changes


@transaction.atomic
def activate(*, enrollment: Enrollment) -> Enrollment:
    """Make this enrollment the learner's active one, pausing the other. Safe twice."""
    User.objects.select_for_update().filter(pk=enrollment.learner_id).first()
    Enrollment.objects.active().filter(learner_id=enrollment.learner_id).exclude(
        pk=enrollment.pk
    ).update(status=Enrollment.Status.PAUSED, updated_at=timezone.now())
    enrollment.status, enrollment.updated_at = Enrollment.Status.ACTIVE, timezone.now()
    # A save, not an update: post_save keeps the learner's cached local time current.
    enrollment.save(update_fields=["status", "updated_at"])
    return enrollment


def record_study(*, learner_id: int, at: datetime) -> None:
    """Note that the learner studied at `at` (an attempt started, answers saved, an attempt
    graded, a card reviewed, a key action ticked, evidence drafted or sent), on their active
    enrollment: what the inactivity reminder reads.

    One conditional UPDATE, only when `at` is later than what is stored: safe to call twice,
    in any order, from concurrent requests (PostgreSQL re-checks the condition on the row it
    waited for), and it never touches `updated_at` (the enrollment's (re)start time).
    Callers run it last in their transaction, after any lock on the learner's row, so locks
    are always taken in the same order.

    Study is evidence a gate may read, so the same UPDATE also moves the evidence version of
    every enrollment of the learner (`progression.evidence_changed`): no extra query.
    """
    later = models.Q(status=Enrollment.Status.ACTIVE) & (
        models.Q(last_studied_at__isnull=True) | models.Q(last_studied_at__lt=at)
    )
    Enrollment.objects.filter(learner_id=learner_id).update(
        last_studied_at=models.Case(
            models.When(later, then=models.Value(at)), default=models.F("last_studied_at")
        ),
        evidence_version=models.F("evidence_version") + 1,
    )


class PhaseNotOpen(Exception):
    """Key actions can be ticked only in the open phase of the active enrollment."""


def set_key_action_done(
    *, progress: KeyActionProgress, done: bool, now: datetime | None = None
) -> KeyActionProgress:
    """Tick (or untick) a key action. Self-reported: on its own it opens nothing, but it
    feeds `key_actions_done`, so the progression service re-checks the gate after commit.

    Only in an unlocked phase of the active enrollment (else `PhaseNotOpen`). Idempotent: a
    conditional UPDATE, so ticking twice keeps the first time.
    """
    # Read from the database, not from the objects passed in: they may be stale.
    is_open = PhaseProgress.objects.filter(
        enrollment_id=progress.enrollment_id,
        enrollment__status=Enrollment.Status.ACTIVE,
        phase_id=progress.key_action.phase_id,
        state=PhaseProgress.State.UNLOCKED,
    ).exists()
    if not is_open:
        raise PhaseNotOpen
    rows = KeyActionProgress.objects.filter(pk=progress.pk)
    if done:
        rows.filter(ticked_at=None).update(ticked_at=now or timezone.now())
    else:
        rows.exclude(ticked_at=None).update(ticked_at=None)
    progress.ticked_at = rows.values_list("ticked_at", flat=True).get()
    enrollment = progress.enrollment
    if progress.ticked_at is not None:
        record_study(learner_id=enrollment.learner_id, at=progress.ticked_at)
    else:
        evidence_changed(learner_id=enrollment.learner_id)  # an untick is evidence too
    advance_after_commit(learner_id=enrollment.learner_id, track_id=enrollment.track_id)
    return progress


# --- Calendar feed --------------------------------------------------------------------------


def calendar_feed(*, learner: User) -> CalendarFeed:
    """The learner's feed, created with a fresh secret token if missing. Safe twice."""
    feed, _ = CalendarFeed.objects.get_or_create(
        learner=learner, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed


@transaction.atomic
def reset_calendar_feed(*, learner: User) -> CalendarFeed:
    """Revoke the learner's feed address and give it a new one; the old one stops working."""
    CalendarFeed.objects.filter(learner=learner).delete()
    return CalendarFeed.objects.create(learner=learner, token=secrets.token_urlsafe(32))


def revoke_calendar_feed(*, learner: User) -> bool:
    """Turn the learner's feed off; True if there was one. Safe twice."""
    deleted, _ = CalendarFeed.objects.filter(learner=learner).delete()
    return bool(deleted)
