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
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction

from tracks.durations import WEEKS_PER_MONTH

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
