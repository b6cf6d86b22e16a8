"""The plan generator: a pure function of (track, goals), with no database inside.

`generate_plan(track=..., goals=...)` lays the phases of a track out in weeks and dates for one
learner. The model, in the order it is applied:

1. **Authored ranges are from-scratch durations at 10 h/week.** A phase's `min_weeks..max_weeks`
   is what a learner starting from nothing needs at the reference pace of
   `REFERENCE_HOURS` = 10 hours a week; the estimate uses the middle of the range. (The
   AI Engineering seed's study phases add up to 47-104 weeks, the "one to two years from
   scratch" of its description and the 12-24 months of its newcomer background.)
2. **Covered key actions are tested out of.** A key action is *covered* when every skill it
   builds is one the learner's background brings (`Background.covers_skills`) or one the
   learner declared. A covered action still costs `TEST_OUT_SHARE` (a fifth) of its share of
   the phase: revising and passing the test. Every action weighs the same within its phase.
3. **The background sets the pace; its months are the calibration.** Each background of a
   track says how long the transition typically takes from there (seed 004: software engineer
   6-12 months, data scientist 3-6). That figure is taken as the author's estimate at the
   reference pace, and the study phases are scaled by one factor `k` so that, with only the
   background's own coverage, they add up to the middle of that range. So at 10 h/week a
   software engineer's AI Engineering plan comes to about 9 months and a data scientist's to
   about 5, the time left being spread over the phases in proportion to the work left in
   each. Skills the learner declares on top of the background only shorten it further. For a
   track with no background of the learner's slug, `k` is 1 and nothing is covered by the
   background: the phases keep their authored ranges (declared skills still count).
4. **Hours scale the study time, down to a floor.** A study phase takes
   `effort / hours_per_week` weeks, where effort is the reference-pace weeks times
   `REFERENCE_HOURS`; but never less than the phase's minimum as it applies to this learner
   (`min_weeks` times the same coverage share and `k`), and never less than one week.
   Learning needs calendar time to settle: past a point, more hours do not make a phase
   shorter. Weeks are rounded up to whole weeks, so more hours never lengthen a plan.
5. **On-the-job phases are not study.** A phase marked `on_the_job` (the AI Engineering track's
   "Advance to Senior Level", 2-4 years in the role; every level of the Senior ML Engineer
   ladder) is time spent working, which neither study hours nor a background shorten: it
   keeps the middle of its authored range, is not covered by skills, and is left out of the
   transition total. The plan's `role_date` is the end of the last study phase, the day the
   learner is expected to have landed the role; a target date is checked against it. (A
   track made only of on-the-job phases is checked against the end of its last phase.)
6. **A phase is never planned shorter than its gate can be met in.** `min_days` is the
   fewest calendar days the phase's gate needs whatever the hours (a flashcard retention
   window, the mentors' review promise, a quiz's cooldowns and daily limit), computed by each
   criterion kind from the gate itself (`tracks.gates.gate_minimum_days`). A study phase
   lasts at least that many days, in whole weeks: a covered phase tested out of still has to
   show its cards held for a week.
7. **Settled phases stay as they were.** `fixed` maps phase ids to their entries in the
   previous plan (the service passes the mastered phases): they are copied unchanged, and
   the phases after them start where they ended. Regenerating a plan never moves a mastered
   phase.

A target date the plan cannot meet is said plainly, with the fewest whole hours per week
(up to `MAX_HOURS`) that would meet it, or that no number of hours would.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction

# months_label is re-exported: tracks.selectors reads it from here.
from tracks.durations import WEEKS_PER_MONTH, months_label  # noqa: F401

REFERENCE_HOURS = 10
MIN_HOURS = 1
MAX_HOURS = 60
TEST_OUT_SHARE = Fraction(1, 5)


# --- Input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanKeyAction:
    id: int
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlanPhase:
    id: int
    order: int
    title: str
    min_weeks: int
    max_weeks: int
    on_the_job: bool = False
    key_actions: tuple[PlanKeyAction, ...] = ()
    min_days: int = 0  # the fewest days its gate can be met in


@dataclass(frozen=True)
class PlanBackground:
    slug: str
    min_months: int
    max_months: int
    covers_skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlanTrack:
    phases: tuple[PlanPhase, ...]
    backgrounds: tuple[PlanBackground, ...] = ()

    def background(self, slug: str) -> PlanBackground | None:
        return next((b for b in self.backgrounds if b.slug == slug), None)


@dataclass(frozen=True)
class Goals:
    background: str
    hours_per_week: int
    start: date
    target_date: date | None = None
    skills: frozenset[str] = frozenset()


# --- Output ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhasePlan:
    phase_id: int
    order: int
    weeks: int
    start: date
    end: date
    on_the_job: bool = False
    covered: frozenset[int] = field(default_factory=frozenset)  # key action ids: test out
    min_days: int = 0  # the fewest days its gate can be met in, when the plan was made


@dataclass(frozen=True)
class TargetCheck:
    target_date: date
    met: bool
    weeks_late: int  # 0 when met
    hours_needed: int | None  # fewest hours/week that meet it; None if none up to MAX_HOURS


@dataclass(frozen=True)
class Plan:
    start: date
    hours_per_week: int
    phases: tuple[PhasePlan, ...]
    role_date: date  # end of the study phases: the role is expected to be landed by then
    study_weeks: int
    target: TargetCheck | None = None

    @property
    def end(self) -> date:
        return self.phases[-1].end if self.phases else self.start

    @property
    def job_weeks(self) -> int:
        """Weeks of on-the-job growth after the role is landed (not study)."""
        return sum(p.weeks for p in self.phases if p.on_the_job)

    def phase(self, phase_id: int) -> PhasePlan | None:
        return next((p for p in self.phases if p.phase_id == phase_id), None)


# --- The generator --------------------------------------------------------------------------


def generate_plan(
    *, track: PlanTrack, goals: Goals, fixed: Mapping[int, PhasePlan] | None = None
) -> Plan:
    """The learner's plan for `track` (see the module docstring for the model).

    Pure and deterministic: same input, same plan. Phases in `fixed` are copied unchanged.
    """
    if not MIN_HOURS <= goals.hours_per_week <= MAX_HOURS:
        raise ValueError(f"hours_per_week must be {MIN_HOURS}-{MAX_HOURS}")
    fixed = fixed or {}
    pace = _background_pace(track, goals.background)
    covered_skills = _covered_skills(track, goals)
    plan = _lay_out(track, goals, goals.hours_per_week, pace, covered_skills, fixed)
    if goals.target_date is None:
        return plan
    return replace(plan, target=_check_target(track, goals, pace, covered_skills, fixed, plan))


def is_covered(action: PlanKeyAction, skills: frozenset[str]) -> bool:
    """An action is covered when it builds at least one skill and all of them are held."""
    return bool(action.skills) and action.skills <= skills


def _covered_skills(track: PlanTrack, goals: Goals) -> frozenset[str]:
    background = track.background(goals.background)
    brought = background.covers_skills if background else frozenset()
    return brought | goals.skills


def _work_share(phase: PlanPhase, skills: frozenset[str]) -> Fraction:
    """The fraction of the phase's from-scratch work left with these skills."""
    if not phase.key_actions:
        return Fraction(1)
    covered = sum(1 for a in phase.key_actions if is_covered(a, skills))
    left = len(phase.key_actions) - covered
    return (left + TEST_OUT_SHARE * covered) / len(phase.key_actions)


def _middle(phase: PlanPhase) -> Fraction:
    return Fraction(phase.min_weeks + phase.max_weeks, 2)


def _background_pace(track: PlanTrack, slug: str) -> Fraction:
    """k: the factor that makes the background's own plan last its authored months."""
    background = track.background(slug)
    if background is None:
        return Fraction(1)
    study = [p for p in track.phases if not p.on_the_job]
    base = sum((_middle(p) * _work_share(p, background.covers_skills) for p in study), Fraction(0))
    if base == 0:
        return Fraction(1)
    months = Fraction(background.min_months + background.max_months, 2)
    return months * WEEKS_PER_MONTH / base


def _study_weeks(phase: PlanPhase, share: Fraction, pace: Fraction, hours: int) -> int:
    effort = _middle(phase) * share * pace * REFERENCE_HOURS  # hours of work
    floor = max(Fraction(1), phase.min_weeks * share * pace, Fraction(phase.min_days, 7))
    return math.ceil(max(floor, effort / hours))


def _lay_out(
    track: PlanTrack,
    goals: Goals,
    hours: int,
    pace: Fraction,
    skills: frozenset[str],
    fixed: Mapping[int, PhasePlan],
) -> Plan:
    cursor = goals.start
    role_date = goals.start
    study_weeks = 0
    phases: list[PhasePlan] = []
    ordered = sorted(track.phases, key=lambda p: p.order)
    for phase in ordered:
        if phase.id in fixed:
            entry = fixed[phase.id]
        elif phase.on_the_job:
            weeks = math.ceil(_middle(phase))
            entry = PhasePlan(
                phase_id=phase.id,
                order=phase.order,
                weeks=weeks,
                start=cursor,
                end=cursor + timedelta(weeks=weeks),
                on_the_job=True,
            )
        else:
            share = _work_share(phase, skills)
            weeks = _study_weeks(phase, share, pace, hours)
            entry = PhasePlan(
                phase_id=phase.id,
                order=phase.order,
                weeks=weeks,
                start=cursor,
                end=cursor + timedelta(weeks=weeks),
                covered=frozenset(a.id for a in phase.key_actions if is_covered(a, skills)),
                min_days=phase.min_days,
            )
        phases.append(entry)
        cursor = entry.end
        if not entry.on_the_job:
            role_date = entry.end
            study_weeks += entry.weeks
    if ordered and all(p.on_the_job for p in phases):
        role_date = cursor
    return Plan(
        start=goals.start,
        hours_per_week=hours,
        phases=tuple(phases),
        role_date=role_date,
        study_weeks=study_weeks,
    )


def _check_target(
    track: PlanTrack,
    goals: Goals,
    pace: Fraction,
    skills: frozenset[str],
    fixed: Mapping[int, PhasePlan],
    plan: Plan,
) -> TargetCheck:
    target = goals.target_date
    assert target is not None
    if plan.role_date <= target:
        return TargetCheck(target_date=target, met=True, weeks_late=0, hours_needed=None)
    weeks_late = math.ceil((plan.role_date - target).days / 7)
    needed = None
    # More hours never lengthen a plan, so the first number of hours that fits is the fewest.
    for hours in range(goals.hours_per_week + 1, MAX_HOURS + 1):
        if _lay_out(track, goals, hours, pace, skills, fixed).role_date <= target:
            needed = hours
            break
    return TargetCheck(target_date=target, met=False, weeks_late=weeks_late, hours_needed=needed)


# --- Reading a plan -------------------------------------------------------------------------


def schedule_offset(*, plan: Plan, current_phase_id: int | None, today: date) -> int:
    """Weeks ahead (> 0) or behind (< 0) schedule for a learner now in this phase.

    In the planned window of the current phase: on schedule (0). Reached it before its
    planned start: ahead by the weeks to that start. Still in it after its planned end: behind
    by the weeks since then. Whole weeks, rounded toward zero so a day or two is no news.
    """
    entry = plan.phase(current_phase_id) if current_phase_id is not None else None
    if entry is None:
        return 0
    if today < entry.start:
        return (entry.start - today).days // 7
    if today > entry.end:
        return -((today - entry.end).days // 7)
    return 0


@dataclass(frozen=True)
class Pace:
    """Where a learner stands against their plan: `status` is "on", "behind" or "ahead"."""

    status: str
    weeks: int
    reason: str


# Gate progress this far below the share of the phase's window already spent is "behind":
# a third of a phase is slack enough that a slow start is not news.
BEHIND_SLACK = 1 / 3


def pace(
    *,
    plan: Plan,
    current_phase_id: int | None,
    today: date,
    gate_progress: float,
    met: int,
    total: int,
) -> Pace:
    """On schedule, behind or ahead, from the gate's progress against the plan.

    `gate_progress` is the mean progress of the open phase's criteria (0-1), `met` and
    `total` its criteria met and in all. Ahead: the phase was reached before its planned
    start. Behind: past the phase's planned end with its gate unmet; or the days left in the
    window are fewer than what the gate still needs (its minimum days, for the share not yet
    done); or the gate's progress trails the window's elapsed share by more than a third.
    """
    entry = plan.phase(current_phase_id) if current_phase_id is not None else None
    if entry is None or entry.on_the_job:
        return Pace("on", 0, "")
    criteria = f"{met} of {total} criteria met"
    if today < entry.start:
        weeks = max(1, (entry.start - today).days // 7)
        return Pace(
            "ahead", weeks, f"You reached this phase before its planned start ({criteria})."
        )
    days_left = (entry.end - today).days
    if days_left <= 0:
        weeks = max(1, -days_left // 7)
        return Pace(
            "behind", weeks, f"This phase was planned to end on {_day(entry.end)}: {criteria}."
        )
    progress = max(0.0, min(1.0, gate_progress))
    still_needed = math.ceil(entry.min_days * (1 - progress))
    if met < total and still_needed > days_left:
        weeks = max(1, math.ceil((still_needed - days_left) / 7))
        return Pace(
            "behind",
            weeks,
            f"{criteria} with {days_left} day{'s' if days_left != 1 else ''} left in this "
            f"phase: its gate needs at least {still_needed} more.",
        )
    elapsed = (today - entry.start).days / max((entry.end - entry.start).days, 1)
    if met < total and progress + BEHIND_SLACK < elapsed:
        weeks = max(1, round((elapsed - progress) * entry.weeks))
        return Pace(
            "behind",
            weeks,
            f"{round(elapsed * 100)} % of this phase's time is spent and {criteria}.",
        )
    return Pace("on", 0, "")


def describe_changes(*, old: Plan, new: Plan, titles: Mapping[int, str]) -> list[str]:
    """What a learner should be told changed between two plans, as sentences."""
    changes: list[str] = []
    for entry in new.phases:
        before = old.phase(entry.phase_id)
        name = f"Phase {entry.order} · {titles.get(entry.phase_id, '')}".rstrip(" ·")
        if before is None:
            changes.append(f"{name} is new in your plan: {entry.weeks} weeks.")
            continue
        if before.weeks != entry.weeks:
            changes.append(f"{name}: {entry.weeks} weeks (was {before.weeks}).")
        gained, lost = len(entry.covered - before.covered), len(before.covered - entry.covered)
        if gained:
            changes.append(f"{name}: {_actions(gained)} now covered by what you know: test out.")
        if lost:
            changes.append(f"{name}: {_actions(lost)} no longer covered: plan to do them.")
    if old.role_date != new.role_date:
        shift = (new.role_date - old.role_date).days // 7
        direction = "earlier" if shift < 0 else "later"
        amount = f"{abs(shift)} week{'s' if abs(shift) != 1 else ''} {direction}"
        if shift == 0:
            amount = "a few days " + ("earlier" if new.role_date < old.role_date else "later")
        changes.append(
            f"Expected to land the role on {_day(new.role_date)}"
            f" (was {_day(old.role_date)}): {amount}."
        )
    return changes


def _actions(n: int) -> str:
    return f"{n} key action{'s' if n != 1 else ''}"


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


# --- Stored form (Enrollment.plan is JSON) --------------------------------------------------


def plan_to_json(plan: Plan) -> dict:
    return {
        "version": 1,
        "start": plan.start.isoformat(),
        "hours_per_week": plan.hours_per_week,
        "role_date": plan.role_date.isoformat(),
        "study_weeks": plan.study_weeks,
        "target": None
        if plan.target is None
        else {
            "target_date": plan.target.target_date.isoformat(),
            "met": plan.target.met,
            "weeks_late": plan.target.weeks_late,
            "hours_needed": plan.target.hours_needed,
        },
        "phases": [
            {
                "phase_id": p.phase_id,
                "order": p.order,
                "weeks": p.weeks,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "on_the_job": p.on_the_job,
                "covered": sorted(p.covered),
                "min_days": p.min_days,
            }
            for p in plan.phases
        ],
    }


def plan_from_json(data: Mapping) -> Plan:
    target = data.get("target")
    return Plan(
        start=date.fromisoformat(data["start"]),
        hours_per_week=data["hours_per_week"],
        role_date=date.fromisoformat(data["role_date"]),
        study_weeks=data["study_weeks"],
        target=None
        if target is None
        else TargetCheck(
            target_date=date.fromisoformat(target["target_date"]),
            met=target["met"],
            weeks_late=target["weeks_late"],
            hours_needed=target["hours_needed"],
        ),
        phases=tuple(
            PhasePlan(
                phase_id=p["phase_id"],
                order=p["order"],
                weeks=p["weeks"],
                start=date.fromisoformat(p["start"]),
                end=date.fromisoformat(p["end"]),
                on_the_job=p["on_the_job"],
                covered=frozenset(p["covered"]),
                min_days=p.get("min_days", 0),  # plans made before gates had minimums
            )
            for p in data["phases"]
        ),
    )


def keep_phases(plan: Plan, phase_ids: Iterable[int]) -> dict[int, PhasePlan]:
    """The entries of `plan` for these phases, as `fixed` for the next `generate_plan`."""
    wanted = set(phase_ids)
    return {p.phase_id: p for p in plan.phases if p.phase_id in wanted}
