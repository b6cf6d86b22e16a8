"""Reading a plan against the learner's progress: its length in words, weeks ahead or
behind, the pace from the open gate's progress, and what changed between two plans."""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

# months_label is re-exported: its one home is tracks.durations.
from tracks.durations import months_label  # noqa: F401
from tracks.plans.generator import Plan

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
