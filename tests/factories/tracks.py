"""Tracks and the learner's place on them: a published track built row by row, and the one
`enroll` helper (through the goal service, as a learner enrolls)."""

from datetime import date, datetime

import factory
import time_machine
from django.utils import timezone

from tracks import services as track_services
from tracks.models import (
    Enrollment,
    KeyAction,
    KeyActionProgress,
    Phase,
    PhaseProgress,
    ProgressEvent,
    Resource,
    Skill,
    Track,
)


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.Sequence(lambda n: f"Skill {n}")


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    slug = factory.Sequence(lambda n: f"track-{n}")
    title = factory.Sequence(lambda n: f"Track {n}")
    summary = "A path to a role."
    target_role = "AI Engineer"
    difficulty = Track.Difficulty.INTERMEDIATE
    typical_duration = "6-12 months"
    status = Track.Status.PUBLISHED


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    track = factory.SubFactory(TrackFactory)
    order = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"phase-{n}")
    title = factory.Sequence(lambda n: f"Phase title {n}")
    min_weeks = 4
    max_weeks = 12


class KeyActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyAction

    phase = factory.SubFactory(PhaseFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Do thing {n}")


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    track = factory.SubFactory(TrackFactory)
    kind = Resource.Kind.COURSE
    title = factory.Sequence(lambda n: f"Course {n}")


def build_track(*, phases: int, actions_per_phase: int, **fields) -> Track:
    """A published track with `phases` phases of `actions_per_phase` key actions each."""
    track = TrackFactory(**fields)
    skill = SkillFactory()
    track.skills.add(skill)
    for p in range(1, phases + 1):
        phase = PhaseFactory(track=track, order=p, slug=f"phase-{p}", title=f"Phase {p}")
        ResourceFactory(track=track, phase=phase)
        for a in range(1, actions_per_phase + 1):
            action = KeyActionFactory(phase=phase, order=a, text=f"Action {p}.{a}")
            action.skills.add(skill)
    ResourceFactory(track=track, kind=Resource.Kind.CERTIFICATION)
    return track


# Goals whose background covers no phase, in UTC (the gate tests count days in UTC).
NEWCOMER_IN_UTC = {"background": "newcomer", "time_zone": "UTC"}


def goals_for(
    track: Track,
    *,
    background: str = "software-engineer",
    hours: int = 10,
    time_zone: str = "Europe/Paris",
    target_date: date | None = None,
    skills=(),
) -> track_services.GoalsInput:
    """The goals form's answers, for tests that call `save_goals` themselves."""
    return track_services.GoalsInput(
        track=track,
        background=background,
        hours_per_week=hours,
        time_zone=time_zone,
        target_date=target_date,
        skills=tuple(skills),
    )


def enroll(learner, track: Track, *, at: datetime | None = None, **goals) -> Enrollment:
    """`learner` enrolled on `track` through the goal service (plan, phase and key action
    rows as a learner gets them); `goals` as `goals_for` takes them. With `at`, as if on
    that moment: every row the service writes is dated then."""
    if at is None:
        return track_services.save_goals(
            learner=learner, goals=goals_for(track, **goals)
        ).enrollment
    with time_machine.travel(at, tick=False):
        saved = track_services.save_goals(learner=learner, goals=goals_for(track, **goals), now=at)
    return saved.enrollment


def finish(enrollment: Enrollment, *, at: datetime) -> None:
    """Every phase of the enrollment mastered (as the progression service would leave it)."""
    PhaseProgress.objects.filter(enrollment=enrollment).update(
        state=PhaseProgress.State.MASTERED, unlocked_at=at, mastered_at=at
    )


def tick(enrollment: Enrollment, *, at: datetime, count: int = 1) -> None:
    """Tick the first `count` unticked key actions of the enrollment at `at`."""
    rows = KeyActionProgress.objects.filter(enrollment=enrollment, ticked_at=None).order_by(
        "key_action__phase__order", "key_action__order"
    )
    ids = list(rows.values_list("pk", flat=True)[:count])
    KeyActionProgress.objects.filter(pk__in=ids).update(ticked_at=at)
    if ids:
        track_services.record_study(learner_id=enrollment.learner_id, at=at)


def criterion(kind: str, current: str, required: str, sentence: str = "") -> dict:
    """One met criterion as a progress event's snapshot keeps it."""
    return {
        "kind": kind,
        "met": True,
        "current": current,
        "required": required,
        "sentence": sentence,
        "evidence": {},
    }


def master_first_phase(enrollment: Enrollment, track: Track, *criteria: dict) -> None:
    """Phase 1 mastered just now and phase 2 open, as the progression service leaves them,
    with the mastered event's snapshot of `criteria`."""
    phase1 = track.phases.get(order=1)
    now = timezone.now()
    PhaseProgress.objects.filter(enrollment=enrollment, phase=phase1).update(
        state=PhaseProgress.State.MASTERED, mastered_at=now
    )
    PhaseProgress.objects.filter(enrollment=enrollment, phase__order=2).update(
        state=PhaseProgress.State.UNLOCKED, unlocked_at=now
    )
    ProgressEvent.objects.create(
        enrollment=enrollment,
        phase=phase1,
        kind=ProgressEvent.Kind.MASTERED,
        snapshot={"criteria": list(criteria)},
    )


def set_gate(phase: Phase, *criteria: tuple[str, dict]) -> None:
    """`phase`'s gate set to `criteria` ((kind, params) pairs), which must be valid."""
    from tracks import gates

    problems = gates.gate_problems(phase, list(criteria))
    assert not problems, problems
    track_services.set_gate(phase=phase, criteria=list(criteria))


def phase_states(enrollment: Enrollment) -> list[str]:
    """The state of each phase of the enrollment, in phase order."""
    return list(enrollment.phase_progress.order_by("phase__order").values_list("state", flat=True))
