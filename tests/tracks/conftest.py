from tracks import services


def enroll(learner, track, *, background="software-engineer", hours=10, **extra):
    goals = services.GoalsInput(
        track=track,
        background=background,
        hours_per_week=hours,
        time_zone=extra.pop("time_zone", "Europe/Paris"),
        target_date=extra.pop("target_date", None),
        skills=tuple(extra.pop("skills", ())),
    )
    return services.save_goals(learner=learner, goals=goals, **extra)


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


def master_first_phase(enrollment, track, *criteria: dict) -> None:
    """Phase 1 mastered just now and phase 2 open, as the progression service leaves them,
    with the mastered event's snapshot of `criteria`."""
    from django.utils import timezone

    from tracks.models import PhaseProgress, ProgressEvent

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
