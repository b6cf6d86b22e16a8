"""The learner's dashboard, read in a fixed number of queries whatever the track's size and
the learner's history: their enrollments, the phases with their state and place on the
timeline, the open phase's key actions and resources, and the schedule's pace.

`tracks.selectors` re-exports these names (other apps import them from there).
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import CharField, Q, QuerySet, Value
from django.utils import timezone, translation

from accounts.models import User
from tracks import content_memo, gates, plans
from tracks.models import (
    Enrollment,
    GateCriterion,
    KeyAction,
    KeyActionProgress,
    Phase,
    PhaseProgress,
    Resource,
    Track,
)

if TYPE_CHECKING:
    from tracks.progression import GateReport


def enrollments_of(learner: User) -> list[Enrollment]:
    """The learner's enrollments, the active one and the paused ones, by track title (one
    query; each knows its learner and track)."""
    enrollments = list(
        Enrollment.objects.filter(learner=learner).select_related("track").order_by("track__title")
    )
    for enrollment in enrollments:
        enrollment.learner = learner
    return enrollments


def enrollment_phases(track: Track, enrollment: Enrollment | None) -> QuerySet[Phase]:
    """The track's live phases, plus the retired ones this enrollment has progress on."""
    live = Q(retired=False)
    if enrollment is not None:
        live |= Q(pk__in=PhaseProgress.objects.filter(enrollment=enrollment).values("phase_id"))
    return track.phases.filter(live).order_by("order", "retired")


@dataclass(frozen=True)
class EnrolledPhases:
    """An enrollment's phases in order (`enrollment_phases`: the live ones and the retired
    ones it has progress on; shared content from `content_memo`, never changed) with its
    progress on each: `states` and `mastered_at` by phase id (no entry: no progress row),
    and its key action rows, `ticks`, by key action id."""

    phases: list[Phase]
    states: dict[int, str]
    mastered_at: dict[int, datetime]
    ticks: dict[int, KeyActionProgress]

    @property
    def open_phase(self) -> Phase | None:
        """The first unlocked phase, as `progression.current_phase` finds it; None if none."""
        unlocked = PhaseProgress.State.UNLOCKED
        return next((p for p in self.phases if self.states.get(p.pk) == unlocked), None)


def phases_with_progress(enrollment: Enrollment) -> EnrolledPhases:
    """The enrollment's phases, each with its quiz, and its progress on them and on their key
    actions: one query, both kinds of progress row in one UNION ALL (as many rows as the
    track has phases and key actions, whatever the learner's history; the phases themselves
    are the track's content, memoized)."""
    text = CharField()
    # Each part with `.order_by()`: the models' Meta ordering would join the enrollment, the
    # track and the phase or key action to every row.
    phase_rows = (
        PhaseProgress.objects.filter(enrollment=enrollment)
        .values_list(Value("phase", output_field=text), "phase_id", "state", "mastered_at", "pk")
        .order_by()
    )
    tick_rows = (
        KeyActionProgress.objects.filter(enrollment=enrollment)
        .values_list(
            Value("key action", output_field=text),
            "key_action_id",
            Value("", output_field=text),
            "ticked_at",
            "pk",
        )
        .order_by()
    )
    states: dict[int, str] = {}
    mastered_at: dict[int, datetime] = {}
    ticks: dict[int, KeyActionProgress] = {}
    rows = phase_rows.union(tick_rows, all=True).order_by()
    for kind, target_id, state, at, pk in rows:
        if kind == "phase":
            states[target_id] = state
            if at is not None:
                mastered_at[target_id] = at
        else:  # built from the row, to be read (the tick view writes through its service)
            ticks[target_id] = KeyActionProgress(
                pk=pk, enrollment=enrollment, key_action_id=target_id, ticked_at=at
            )
    phases = [p for p in track_phases(enrollment.track) if not p.retired or p.pk in states]
    return EnrolledPhases(phases=phases, states=states, mastered_at=mastered_at, ticks=ticks)


def track_phases(track: Track) -> tuple[Phase, ...]:
    """All the track's phases, retired ones included, by order (live first on a tie), each
    with its quiz (`content_memo`: one query per process and change of the content)."""

    def read() -> tuple[Phase, ...]:
        return tuple(track.phases.select_related("quiz").order_by("order", "retired"))

    return content_memo.memoized(track, "phases", read)


def _gate_labels(track: Track) -> dict[int, tuple[str, ...]]:
    """The gate criteria's labels of the track, per phase id (`content_memo`: one query per
    process and change of the track's content)."""

    def read() -> dict[int, tuple[str, ...]]:
        found: dict[int, list[str]] = {}
        for criterion in GateCriterion.objects.filter(phase__track=track).order_by("order", "id"):
            found.setdefault(criterion.phase_id, []).append(
                gates.describe_criterion(criterion.kind, criterion.params)
            )
        return {phase_id: tuple(texts) for phase_id, texts in found.items()}

    return content_memo.memoized(track, "gate-labels", read)


def track_resources(track: Track) -> dict[int | None, tuple[Resource, ...]]:
    """The track's resources by phase id (None: the track's own), in order (`content_memo`:
    one query per process and change of the track's content)."""

    def read() -> dict[int | None, tuple[Resource, ...]]:
        found: dict[int | None, list[Resource]] = {}
        for resource in track.resources.order_by("order", "pk"):
            found.setdefault(resource.phase_id, []).append(resource)
        return {phase_id: tuple(rows) for phase_id, rows in found.items()}

    return content_memo.memoized(track, "resources", read)


def track_key_actions(track: Track) -> dict[int, KeyAction]:
    """Every key action of the track, retired ones too, by id, each with its phase
    (`content_memo`: one query per process and change of the track's content)."""

    def read() -> dict[int, KeyAction]:
        actions = KeyAction.objects.filter(phase__track=track).select_related("phase")
        return {action.pk: action for action in actions}

    return content_memo.memoized(track, "key-actions", read)


@dataclass(frozen=True)
class KeyActionRow:
    progress: KeyActionProgress
    action: KeyAction
    covered: bool


@dataclass(frozen=True)
class PhaseRow:
    phase: Phase
    state: str
    entry: plans.PhasePlan | None
    x: float  # timeline: left edge and width, in percent of the width
    width: float
    opens_when: tuple[str, ...] = ()  # the criteria of the previous phase's gate, as labels
    criteria_total: int = 0  # the criteria of this phase's own gate
    mastered_at: datetime | None = None
    is_current: bool = False  # the open phase (the first unlocked one)

    @property
    def locked(self) -> bool:
        return self.state == PhaseProgress.State.LOCKED

    @property
    def mastered(self) -> bool:
        return self.state == PhaseProgress.State.MASTERED

    @property
    def opens_after(self) -> int:
        return self.phase.order - 1


ON_SCHEDULE = plans.Pace("on", 0, "")


@dataclass(frozen=True)
class Dashboard:
    enrollment: Enrollment
    plan: plans.Plan
    today: date
    phases: list[PhaseRow]
    current: PhaseRow | None
    key_actions: list[KeyActionRow]
    resources: list[Resource]
    others: list[Enrollment]
    today_x: float | None
    gate: "GateReport | None" = None
    pace: plans.Pace = ON_SCHEDULE

    @property
    def finished(self) -> bool:
        return bool(self.phases) and all(row.mastered for row in self.phases)

    @property
    def offset_weeks(self) -> int:
        return plans.schedule_offset(
            plan=self.plan,
            current_phase_id=self.current.phase.pk if self.current else None,
            today=self.today,
        )

    @property
    def behind_weeks(self) -> int:
        return max(0, -self.offset_weeks)

    @property
    def ahead_weeks(self) -> int:
        return max(0, self.offset_weeks)

    @property
    def ticked(self) -> int:
        return sum(1 for row in self.key_actions if row.progress.done)

    @property
    def next_action(self) -> KeyActionRow | None:
        """The first key action to do: unticked work first, then what can be tested out of."""
        todo = [row for row in self.key_actions if not row.progress.done]
        return next((row for row in todo if not row.covered), None) or next(iter(todo), None)

    @property
    def role_label(self) -> str:
        return plans.months_label(self.plan.study_weeks)

    @property
    def job_label(self) -> str:
        return plans.months_label(self.plan.job_weeks) if self.plan.job_weeks else ""

    @property
    def is_last_phase(self) -> bool:
        return self.current is not None and self.current is self.phases[-1]

    @property
    def latest_mastered(self) -> "PhaseRow | None":
        done = [r for r in self.phases if r.mastered and r.mastered_at is not None]
        return max(done, key=lambda r: r.mastered_at) if done else None

    def after(self, row: "PhaseRow") -> "PhaseRow | None":
        return next((r for r in self.phases if r.phase.order > row.phase.order), None)

    @property
    def next_phase(self) -> "PhaseRow | None":
        if self.current is None:
            return None
        return next((r for r in self.phases if r.phase.order > self.current.phase.order), None)

    @property
    def overview_key(self) -> str:
        """A digest of everything the plan overview (the timeline and the list of phases,
        `tracks/dashboard.html`) shows, so the page keeps its rendering (`{% cache %}`) until
        one of these changes: the track's content (titles, durations: its stamp), the
        language, the day, the plan's dates, each phase's state and gate, and the open
        gate's count and skills. What the block shows must be here, and only that."""
        gate = (self.gate.met_count, len(self.gate.results)) if self.gate else None
        rows = tuple(
            (
                row.phase.pk,
                row.state,
                row.is_current,
                row.x,
                row.width,
                row.opens_when,
                row.criteria_total,
                (row.entry.start, row.entry.end, row.entry.weeks, row.entry.on_the_job)
                if row.entry
                else None,
                tuple(sorted(row.entry.covered)) if row.entry else (),
            )
            for row in self.phases
        )
        inputs = (
            self.enrollment.track_id,
            self.enrollment.track.updated_at,
            translation.get_language(),
            self.today,
            self.today_x,
            self.plan.start,
            gate,
            tuple((bar["skill"], bar["percent"]) for bar in self.skill_bars),
            rows,
        )
        return hashlib.blake2b(repr(inputs).encode(), digest_size=16).hexdigest()

    @cached_property  # read twice by the page; the dataclass is frozen, its __dict__ is not
    def skill_bars(self) -> list[dict]:
        """The open phase's skills and their mastery, from the gate's own evidence (no query)."""
        for result in self.gate.results if self.gate else []:
            if result.kind == "skill_mastery":
                return [
                    {
                        "skill": row["skill"].replace("-", " ").capitalize(),
                        "percent": round((row["p_known"] or 0) * 100),
                    }
                    for row in result.evidence.get("skills", [])
                ]
        return []


def dashboard(
    *,
    learner: User,
    now: datetime | None = None,
    gate: "GateReport | None" = None,
    enrollments: list[Enrollment] | None = None,
    enrolled: EnrolledPhases | None = None,
) -> Dashboard | None:
    """Everything the learner's dashboard shows, or None without an active enrollment.

    `gate` is the open phase's gate report when the caller has it (the page evaluates it
    first): the schedule and the progress picture read it; `enrollments` the learner's
    (`enrollments_of`) and `enrolled` the active one's `phases_with_progress` when the
    caller has read them. Two queries (one less for each given; the track's content is
    memoized: `content_memo`) whatever the number of phases, key actions and enrollments.
    """
    if enrollments is None:
        enrollments = enrollments_of(learner)  # 1: the active one and the paused ones
    enrollment = next((e for e in enrollments if e.status == Enrollment.Status.ACTIVE), None)
    if enrollment is None or not enrollment.plan:
        return None
    plan = plans.plan_from_json(enrollment.plan)
    today = (now or timezone.now()).astimezone(ZoneInfo(enrollment.time_zone)).date()
    if enrolled is None:
        enrolled = phases_with_progress(enrollment)  # 2: this enrollment's progress rows
    phases, states, mastered_at = enrolled.phases, enrolled.states, enrolled.mastered_at
    gate_labels = _gate_labels(enrollment.track)  # none, or once per track content
    geometry = _timeline(plan, phases)
    open_phase = enrolled.open_phase
    current_id = open_phase.pk if open_phase else None
    rows = [
        PhaseRow(
            phase=phase,
            state=states.get(phase.pk, PhaseProgress.State.LOCKED),
            entry=plan.phase(phase.pk),
            x=geometry.get(phase.pk, (0.0, 0.0))[0],
            width=geometry.get(phase.pk, (0.0, 0.0))[1],
            opens_when=tuple(gate_labels.get(previous.pk, ())) if previous else (),
            criteria_total=len(gate_labels.get(phase.pk, ())),
            mastered_at=mastered_at.get(phase.pk),
            is_current=phase.pk == current_id,
        )
        for previous, phase in zip([None, *phases], phases, strict=False)
    ]
    current = next((row for row in rows if row.is_current), None)
    key_actions: list[KeyActionRow] = []
    resources: list[Resource] = []
    if current is not None:
        covered = current.entry.covered if current.entry else frozenset()
        actions = track_key_actions(enrollment.track)  # none: memoized with the content
        for progress in enrolled.ticks.values():
            action = actions.get(progress.key_action_id)
            if action is not None and action.phase_id == current.phase.pk:
                key_actions.append(
                    KeyActionRow(progress=progress, action=action, covered=action.pk in covered)
                )
        key_actions.sort(key=lambda row: (row.action.order, row.action.pk))
        resources = list(track_resources(enrollment.track).get(current.phase.pk, ()))  # none
    if gate is not None and current is not None and gate.phase.pk != current.phase.pk:
        gate = None  # a report of another phase (the gate moved on in between)
    results = gate.results if gate is not None else []
    pace = plans.pace(
        plan=plan,
        current_phase_id=current.phase.pk if current else None,
        today=today,
        gate_progress=sum(min(r.progress, 1.0) for r in results) / len(results) if results else 0.0,
        met=sum(1 for r in results if r.met),
        total=len(results),
    )
    return Dashboard(
        enrollment=enrollment,
        plan=plan,
        today=today,
        phases=rows,
        current=current,
        key_actions=key_actions,
        resources=resources,
        others=[e for e in enrollments if e.pk != enrollment.pk],
        today_x=_timeline_x(plan, phases, geometry, today),
        gate=gate,
        pace=pace,
    )


# On the timeline, study phases share the width by their weeks; each on-the-job phase (years
# long) gets a fixed slot at the end instead of dwarfing the study plan.
_ON_THE_JOB_SLOT = 18.0


def _timeline(plan: plans.Plan, phases: list[Phase]) -> dict[int, tuple[float, float]]:
    entries = [plan.phase(p.pk) for p in phases]
    entries = [e for e in entries if e is not None]
    study = [e for e in entries if not e.on_the_job]
    on_job = [e for e in entries if e.on_the_job]
    if not study:
        total = sum(e.weeks for e in entries) or 1
        widths = {e.phase_id: 100.0 * e.weeks / total for e in entries}
    else:
        slot = min(_ON_THE_JOB_SLOT, 40.0 / max(len(on_job), 1)) if on_job else 0.0
        study_width = 100.0 - slot * len(on_job)
        total = sum(e.weeks for e in study) or 1
        widths = {
            e.phase_id: slot if e.on_the_job else study_width * e.weeks / total for e in entries
        }
    geometry, x = {}, 0.0
    for e in entries:
        geometry[e.phase_id] = (round(x, 2), round(widths[e.phase_id], 2))
        x += widths[e.phase_id]
    return geometry


def _timeline_x(plan: plans.Plan, phases: list[Phase], geometry: dict, today: date) -> float | None:
    """Where today falls on the timeline, in percent; None before the plan's start."""
    if not plan.phases or today < plan.start:
        return None
    for phase in phases:
        entry = plan.phase(phase.pk)
        if entry is None or phase.pk not in geometry:
            continue
        if entry.start <= today < entry.end:
            x, width = geometry[phase.pk]
            fraction = (today - entry.start).days / max((entry.end - entry.start).days, 1)
            return round(x + width * fraction, 2)
    return 100.0
