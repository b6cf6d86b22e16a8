"""A plan's stored form: Enrollment.plan is JSON, written and read here."""

from collections.abc import Iterable, Mapping
from datetime import date

from tracks.plans.generator import PhasePlan, Plan, TargetCheck

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
