"""The progression service: the only code that opens phases.

Two entry points:
- `evaluate(enrollment)`: a read-only report of the current phase's gate, each criterion
  with its current and required value, met or not, and a sentence for the learner.
- `advance(enrollment)`: in one transaction, with the enrollment row locked, re-evaluates
  from the database and, if the gate is met, marks the phase mastered, unlocks the next and
  writes progress events with the evidence snapshot. Idempotent: calling it twice, or from
  two workers at once, unlocks once.

Every place that records evidence calls `advance` after its transaction commits
(`advance_after_commit`); pages that show a gate call `advance` before rendering, so a
learner never has to reload to see a phase open. Phases open in order only.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from tracks import gates
from tracks.models import Enrollment, GateCriterion, Phase, PhaseProgress, ProgressEvent

logger = logging.getLogger(__name__)

State = PhaseProgress.State


@dataclass(frozen=True)
class GateReport:
    """The gate of one phase for one enrollment, as it stands now."""

    phase: Phase
    results: list[gates.CriterionResult]

    @property
    def met(self) -> bool:
        # A phase without criteria has no gate to meet only if it is the last one; an
        # unpublished, half-authored phase without a gate never opens the next by itself.
        return bool(self.results) and all(r.met for r in self.results)

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.results if r.met)


@dataclass(frozen=True)
class Advanced:
    """What `advance` did: the phases it marked mastered and unlocked (empty: nothing)."""

    mastered: list[Phase]
    unlocked: list[Phase]

    @property
    def changed(self) -> bool:
        return bool(self.mastered)


def current_phase(enrollment: Enrollment) -> Phase | None:
    """The enrollment's open phase (the first unlocked one), or None. One query."""
    progress = (
        PhaseProgress.objects.filter(enrollment=enrollment, state=State.UNLOCKED)
        .select_related("phase__track")
        .order_by("phase__order")
        .first()
    )
    return progress.phase if progress else None


def evaluate_phase(*, enrollment: Enrollment, phase: Phase) -> GateReport:
    """The gate of `phase` for `enrollment`, criteria in force now. Read-only.

    One query for the criteria plus each kind's own fixed number of queries.
    """
    criteria = list(GateCriterion.objects.filter(phase=phase).order_by("order", "id"))
    results = []
    for criterion in criteria:
        kind = gates.get_kind(criterion.kind)
        if kind is None:  # an app that provided it is gone: say so, never pass silently
            results.append(
                gates.CriterionResult(
                    kind=criterion.kind,
                    label=criterion.kind,
                    met=False,
                    current="unavailable",
                    required="",
                    sentence="This criterion cannot be checked right now.",
                    progress=0.0,
                )
            )
            continue
        params = kind.clean_params(criterion.params)
        results.append(kind.evaluate(enrollment, phase, params))
    return GateReport(phase=phase, results=results)


def evaluate(*, enrollment: Enrollment) -> GateReport | None:
    """The current phase's gate report, or None when no phase is open (finished track)."""
    phase = current_phase(enrollment)
    return None if phase is None else evaluate_phase(enrollment=enrollment, phase=phase)


def advance(*, enrollment: Enrollment, now: datetime | None = None) -> Advanced:
    """Master the open phase and unlock the next while their gates are met. Idempotent.

    Runs in one transaction with the enrollment row locked (SELECT ... FOR UPDATE), so two
    concurrent calls run one after the other and the second finds nothing to do. Phases
    open strictly in order; the last phase is mastered when its gate (if any) is met.
    """
    now = now or timezone.now()
    mastered: list[Phase] = []
    unlocked: list[Phase] = []
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
        if locked is None or locked.status != Enrollment.Status.ACTIVE:
            return Advanced([], [])
        while (phase := current_phase(locked)) is not None:
            report = evaluate_phase(enrollment=locked, phase=phase)
            if not report.met:
                break
            _master(
                locked, phase, now=now, snapshot=_snapshot(report), kind=ProgressEvent.Kind.MASTERED
            )
            mastered.append(phase)
            following = _unlock_next(locked, phase, now=now)
            if following is None:
                break
            unlocked.append(following)
    return Advanced(mastered, unlocked)


@dataclass(frozen=True)
class Refreshed:
    report: GateReport | None  # the open phase's gate after any advance; None when finished
    advanced: Advanced


def refresh(*, enrollment: Enrollment) -> Refreshed:
    """What a page showing the gate calls: evaluate read-only and, only when the gate is met,
    `advance` (which re-checks under the row lock) and evaluate the newly open phase.

    So the learner never needs a reload to see a phase open, and a page view that finds
    nothing new takes no lock.
    """
    report = evaluate(enrollment=enrollment)
    if report is None or not report.met:
        return Refreshed(report, Advanced([], []))
    advanced = advance(enrollment=enrollment)
    return Refreshed(evaluate(enrollment=enrollment), advanced)


def _snapshot(report: GateReport) -> dict:
    return {"criteria": [r.snapshot() for r in report.results]}


def _master(
    enrollment: Enrollment,
    phase: Phase,
    *,
    now: datetime,
    snapshot: dict,
    kind: str,
    actor: User | None = None,
    reason: str = "",
) -> None:
    PhaseProgress.objects.filter(enrollment=enrollment, phase=phase, state=State.UNLOCKED).update(
        state=State.MASTERED, mastered_at=now
    )
    ProgressEvent.objects.create(
        enrollment=enrollment,
        phase=phase,
        kind=kind,
        created_at=now,
        snapshot=snapshot,
        actor=actor,
        reason=reason,
    )


def _unlock_next(enrollment: Enrollment, phase: Phase, *, now: datetime) -> Phase | None:
    nxt = (
        PhaseProgress.objects.filter(
            enrollment=enrollment,
            phase__order__gt=phase.order,
            phase__retired=False,  # a retired phase nobody has reached is skipped
            state=State.LOCKED,
        )
        .select_related("phase")
        .order_by("phase__order")
        .first()
    )
    if nxt is None:
        return None
    PhaseProgress.objects.filter(pk=nxt.pk, state=State.LOCKED).update(
        state=State.UNLOCKED, unlocked_at=now
    )
    ProgressEvent.objects.create(
        enrollment=enrollment,
        phase=nxt.phase,
        kind=ProgressEvent.Kind.UNLOCKED,
        created_at=now,
        snapshot={"after": {"phase": phase.pk, "title": str(phase)}},
    )
    return nxt.phase


def advance_after_commit(*, learner_id: int, track_id: int) -> None:
    """Call `advance` for the learner's active enrollment on that track once the current
    transaction commits (or at once outside a transaction). Evidence recorders use this."""

    def run() -> None:
        enrollment = (
            Enrollment.objects.active().filter(learner_id=learner_id, track_id=track_id).first()
        )
        if enrollment is not None:
            advance(enrollment=enrollment)

    transaction.on_commit(run)


class ExemptionRefused(Exception):
    pass


def grant_exemption(
    *, enrollment: Enrollment, phase: Phase, staff: User, reason: str, now: datetime | None = None
) -> Advanced:
    """Staff mark the open phase mastered without its gate, recorded with who and why.

    Never silent: the progress event keeps the staff member, the reason and the gate's state
    at that moment. Only the open phase can be exempted (phases still open in order).
    """
    if not staff.is_staff:
        raise ExemptionRefused("Only staff can grant an exemption.")
    if not reason.strip():
        raise ExemptionRefused("Say why the exemption is granted.")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if current_phase(locked) != phase:
            raise ExemptionRefused(f"{phase} is not the learner's open phase.")
        report = evaluate_phase(enrollment=locked, phase=phase)
        _master(
            locked,
            phase,
            now=now,
            snapshot={**_snapshot(report), "exemption": True},
            kind=ProgressEvent.Kind.EXEMPTED,
            actor=staff,
            reason=reason.strip(),
        )
        unlocked = _unlock_next(locked, phase, now=now)
    result = advance(enrollment=enrollment, now=now)
    return Advanced([phase, *result.mastered], [p for p in [unlocked, *result.unlocked] if p])


def record_gate_change(*, phase: Phase, before: list[dict], after: list[dict]) -> int:
    """Write a gate-changed event for every active enrollment whose open phase is `phase`.

    Mastered phases are never touched (a changed gate re-locks nothing); learners on the phase
    see, in their trail, that the criteria in force changed. One INSERT for all of them.
    """
    if before == after:
        return 0
    enrollment_ids = PhaseProgress.objects.filter(
        phase=phase, state=State.UNLOCKED, enrollment__status=Enrollment.Status.ACTIVE
    ).values_list("enrollment_id", flat=True)
    events = ProgressEvent.objects.bulk_create(
        ProgressEvent(
            enrollment_id=pk,
            phase=phase,
            kind=ProgressEvent.Kind.GATE_CHANGED,
            snapshot={"before": before, "after": after},
        )
        for pk in enrollment_ids
    )
    return len(events)
