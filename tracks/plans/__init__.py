"""Learners' plans, split along the domain (plans.py had grown past 500 lines):

- `generator`: the plan generator, a pure function of (track, goals), and the model it
  applies (read its docstring first);
- `reading`: a plan read against progress (length in words, ahead or behind, the pace from
  the open gate, what changed between two plans);
- `stored`: the JSON form kept on `Enrollment.plan`.

Callers keep using `from tracks import plans` and `plans.generate_plan(...)`.
"""

from tracks.plans.generator import (
    MAX_HOURS,
    MIN_HOURS,
    REFERENCE_HOURS,
    TEST_OUT_SHARE,
    WEEKS_PER_MONTH,
    Goals,
    PhasePlan,
    Plan,
    PlanBackground,
    PlanKeyAction,
    PlanPhase,
    PlanTrack,
    TargetCheck,
    generate_plan,
    is_covered,
)
from tracks.plans.reading import (
    BEHIND_SLACK,
    Pace,
    describe_changes,
    months_label,
    pace,
    schedule_offset,
)
from tracks.plans.stored import keep_phases, plan_from_json, plan_to_json

__all__ = [
    "BEHIND_SLACK",
    "MAX_HOURS",
    "MIN_HOURS",
    "REFERENCE_HOURS",
    "TEST_OUT_SHARE",
    "WEEKS_PER_MONTH",
    "Goals",
    "Pace",
    "PhasePlan",
    "Plan",
    "PlanBackground",
    "PlanKeyAction",
    "PlanPhase",
    "PlanTrack",
    "TargetCheck",
    "describe_changes",
    "generate_plan",
    "is_covered",
    "keep_phases",
    "months_label",
    "pace",
    "plan_from_json",
    "plan_to_json",
    "schedule_offset",
]
