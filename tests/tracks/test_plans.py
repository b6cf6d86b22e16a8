"""The plan generator: seed calibration cases and properties (a pure function, no database)."""

import math
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracks import plans
from tracks.plans import Goals, PlanBackground, PlanKeyAction, PlanPhase, PlanTrack

START = date(2027, 1, 4)
WEEKS_PER_MONTH = 52 / 12


@pytest.fixture
def seed(ai_engineering) -> PlanTrack:
    from tracks.selectors import plan_track

    return plan_track(ai_engineering)


def plan_for(track, background, hours=10, **goals):
    return plans.generate_plan(
        track=track,
        goals=Goals(background=background, hours_per_week=hours, start=START, **goals),
    )


def months(plan) -> float:
    return plan.study_weeks / WEEKS_PER_MONTH


# --- Seed 004 calibration -------------------------------------------------------------------


def test_a_software_engineers_plan_takes_6_to_12_months_at_10_hours_a_week(seed):
    plan = plan_for(seed, "software-engineer")
    assert 6 <= months(plan) <= 12
    assert plan.role_date == START + timedelta(weeks=plan.study_weeks)


def test_a_data_scientists_plan_takes_3_to_6_months_at_10_hours_a_week(seed):
    assert 3 <= months(plan_for(seed, "data-scientist")) <= 6


@pytest.mark.parametrize(
    ("background", "low", "high"),
    [
        ("ml-researcher", 3, 6),
        ("data-engineer", 6, 9),
        ("quant-analyst", 4, 8),
        ("newcomer", 12, 24),
    ],
)
def test_every_seed_background_lands_in_its_authored_months(seed, background, low, high):
    assert low <= months(plan_for(seed, background)) <= high


def test_a_data_scientist_gets_there_sooner_than_a_software_engineer(seed):
    assert (
        plan_for(seed, "data-scientist").role_date < plan_for(seed, "software-engineer").role_date
    )


def test_what_the_background_brings_is_marked_covered_test_out(seed):
    plan = plan_for(seed, "data-scientist")
    phase_1 = seed.phases[0]
    # A data scientist already has Python, statistics, linear algebra and scikit-learn.
    assert plan.phases[0].covered == {a.id for a in phase_1.key_actions}
    # Revising and testing out, not studying: as short as its gate allows (cards recalled
    # after 21 days away need part of a fourth week).
    assert plan.phases[0].min_days == 22
    assert plan.phases[0].weeks == 4
    assert plan.phases[2].covered == frozenset()  # MLOps is new to them


def test_declared_skills_cover_more_and_shorten_the_plan(seed):
    plain = plan_for(seed, "software-engineer")
    more = plan_for(seed, "software-engineer", skills=frozenset({"statistics", "linear-algebra"}))
    assert len(more.phases[0].covered) == len(plain.phases[0].covered) + 1
    assert more.study_weeks < plain.study_weeks


def test_the_on_the_job_phase_is_not_study_and_keeps_its_years(seed):
    """Phase 5 (2-4 years in the role) follows the role date and no hours shorten it."""
    for hours in (5, 10, 60):
        plan = plan_for(seed, "software-engineer", hours=hours)
        senior = plan.phases[4]
        assert senior.on_the_job and senior.covered == frozenset()
        assert senior.weeks == 156  # the middle of 104-208 weeks
        assert senior.start == plan.role_date
        assert plan.study_weeks == sum(p.weeks for p in plan.phases[:4])


def test_a_track_without_the_background_keeps_the_authored_ranges():
    track = PlanTrack(phases=(PlanPhase(id=1, order=1, title="A", min_weeks=4, max_weeks=12),))
    plan = plan_for(track, "software-engineer")
    assert plan.phases[0].weeks == 8  # the middle of 4-12 at the reference 10 h/week
    assert plan_for(track, "software-engineer", hours=20).phases[0].weeks == 4  # its minimum
    assert plan_for(track, "software-engineer", hours=60).phases[0].weeks == 4  # never below


def test_a_slower_pace_takes_proportionally_longer():
    track = PlanTrack(phases=(PlanPhase(id=1, order=1, title="A", min_weeks=4, max_weeks=12),))
    assert plan_for(track, "newcomer", hours=5).phases[0].weeks == 16


# --- Target dates ---------------------------------------------------------------------------


def test_a_target_date_the_plan_meets_is_met(seed):
    plan = plan_for(seed, "data-scientist", target_date=START + timedelta(weeks=52))
    assert plan.target.met and plan.target.weeks_late == 0


def test_a_target_date_the_plan_misses_says_the_hours_that_would_meet_it(seed):
    plan = plan_for(seed, "software-engineer", target_date=START + timedelta(weeks=30))
    assert not plan.target.met
    assert plan.target.weeks_late == plan.study_weeks - 30
    needed = plan.target.hours_needed
    assert needed is not None and needed > 10
    target = START + timedelta(weeks=30)
    assert plan_for(seed, "software-engineer", hours=needed).role_date <= target
    assert plan_for(seed, "software-engineer", hours=needed - 1).role_date > target


def test_a_target_date_no_hours_can_meet_says_so(seed):
    plan = plan_for(seed, "software-engineer", target_date=START + timedelta(weeks=4))
    assert not plan.target.met and plan.target.hours_needed is None


def test_hours_out_of_range_are_refused(seed):
    with pytest.raises(ValueError):
        plan_for(seed, "software-engineer", hours=0)
    with pytest.raises(ValueError):
        plan_for(seed, "software-engineer", hours=61)


# --- Fixed (mastered) phases, stored form, changes -----------------------------------------


def test_fixed_phases_are_kept_and_the_rest_follow_them(seed):
    before = plan_for(seed, "newcomer", hours=5)
    first = before.phases[0]
    after = plans.generate_plan(
        track=seed,
        goals=Goals(background="newcomer", hours_per_week=40, start=START),
        fixed={first.phase_id: first},
    )
    assert after.phases[0] == first
    assert after.phases[1].start == first.end
    assert after.phases[1].weeks < before.phases[1].weeks


def test_a_plan_survives_its_json_form(seed):
    plan = plan_for(seed, "data-scientist", target_date=START + timedelta(weeks=10))
    assert plans.plan_from_json(plans.plan_to_json(plan)) == plan


def test_changes_are_described_in_sentences(seed):
    old = plan_for(seed, "software-engineer", hours=10)
    new = plan_for(seed, "software-engineer", hours=20)
    titles = {p.id: p.title for p in seed.phases}
    changes = plans.describe_changes(old=old, new=new, titles=titles)
    weeks_1 = f"{new.phases[0].weeks} weeks (was {old.phases[0].weeks})"
    assert f"Phase 1 · Build Foundational Skills: {weeks_1}." in changes
    assert any(c.startswith("Expected to land the role on") and "earlier" in c for c in changes)
    assert plans.describe_changes(old=old, new=old, titles=titles) == []


def test_the_schedule_offset_says_ahead_and_behind():
    track = PlanTrack(
        phases=(
            PlanPhase(id=1, order=1, title="A", min_weeks=4, max_weeks=4),
            PlanPhase(id=2, order=2, title="B", min_weeks=4, max_weeks=4),
        )
    )
    plan = plan_for(track, "newcomer")
    assert plans.schedule_offset(plan=plan, current_phase_id=1, today=START) == 0
    late = START + timedelta(weeks=7)
    assert plans.schedule_offset(plan=plan, current_phase_id=1, today=late) == -3
    assert plans.schedule_offset(plan=plan, current_phase_id=2, today=START) == 4


# --- Properties -----------------------------------------------------------------------------

SKILLS = ["a", "b", "c", "d", "e", "f"]


@st.composite
def tracks(draw) -> PlanTrack:
    count = draw(st.integers(min_value=1, max_value=6))
    phases = []
    action_id = 0
    for order in range(1, count + 1):
        low = draw(st.integers(min_value=1, max_value=60))
        high = draw(st.integers(min_value=low, max_value=low + 100))
        actions = []
        for _ in range(draw(st.integers(min_value=0, max_value=5))):
            action_id += 1
            skills = draw(st.frozensets(st.sampled_from(SKILLS), max_size=3))
            actions.append(PlanKeyAction(id=action_id, skills=skills))
        phases.append(
            PlanPhase(
                id=order * 10,
                order=order,
                title=f"P{order}",
                min_weeks=low,
                max_weeks=high,
                on_the_job=draw(st.booleans()),
                key_actions=tuple(actions),
                min_days=draw(st.integers(min_value=0, max_value=90)),
            )
        )
    backgrounds = []
    if draw(st.booleans()):
        low = draw(st.integers(min_value=0, max_value=24))
        backgrounds.append(
            PlanBackground(
                slug="software-engineer",
                min_months=low,
                max_months=draw(st.integers(min_value=low, max_value=low + 24)),
                covers_skills=draw(st.frozensets(st.sampled_from(SKILLS))),
            )
        )
    return PlanTrack(phases=tuple(phases), backgrounds=tuple(backgrounds))


hours = st.integers(min_value=plans.MIN_HOURS, max_value=plans.MAX_HOURS)
skill_sets = st.frozensets(st.sampled_from(SKILLS))


@settings(max_examples=200, deadline=None)
@given(track=tracks(), low=hours, high=hours, skills=skill_sets)
def test_more_hours_never_lengthen_a_plan(track, low, high, skills):
    low, high = sorted((low, high))
    slow = plan_for(track, "software-engineer", hours=low, skills=skills)
    fast = plan_for(track, "software-engineer", hours=high, skills=skills)
    assert fast.role_date <= slow.role_date
    assert fast.end <= slow.end
    for quick, steady in zip(fast.phases, slow.phases, strict=True):
        assert quick.weeks <= steady.weeks


@settings(max_examples=200, deadline=None)
@given(track=tracks(), hours=hours, skills=skill_sets, extra=skill_sets)
def test_more_skills_never_lengthen_a_plan(track, hours, skills, extra):
    plain = plan_for(track, "software-engineer", hours=hours, skills=skills)
    more = plan_for(track, "software-engineer", hours=hours, skills=skills | extra)
    assert more.role_date <= plain.role_date


@settings(max_examples=200, deadline=None)
@given(track=tracks(), hours=hours, skills=skill_sets)
def test_a_plan_lays_each_phase_out_in_order_in_whole_weeks_no_shorter_than_its_gate(
    track, hours, skills
):
    plan = plan_for(track, "software-engineer", hours=hours, skills=skills)
    ordered = sorted(track.phases, key=lambda p: p.order)
    assert [entry.phase_id for entry in plan.phases] == [phase.id for phase in ordered]
    cursor = START
    for phase, entry in zip(ordered, plan.phases, strict=True):
        assert entry.start == cursor  # no gap and no overlap between phases
        assert entry.weeks >= 1 and entry.end == entry.start + timedelta(weeks=entry.weeks)
        if phase.on_the_job:
            # Time in the role: the middle of its range, whatever the hours and the skills.
            assert entry.weeks == math.ceil((phase.min_weeks + phase.max_weeks) / 2)
        else:
            assert entry.weeks * 7 >= phase.min_days  # the gate can be met in that time
        cursor = entry.end
    study = [entry for entry in plan.phases if not entry.on_the_job]
    assert plan.study_weeks == sum(entry.weeks for entry in study)
    assert plan.role_date == (study[-1].end if study else plan.end)


@settings(max_examples=200, deadline=None)
@given(track=tracks(), first=hours, second=hours, skills=skill_sets, data=st.data())
def test_regenerating_never_moves_a_fixed_phase(track, first, second, skills, data):
    before = plan_for(track, "software-engineer", hours=first)
    settled = data.draw(st.integers(min_value=0, max_value=len(before.phases)))
    fixed = plans.keep_phases(before, [p.phase_id for p in before.phases[:settled]])
    after = plans.generate_plan(
        track=track,
        goals=Goals(
            background="software-engineer", hours_per_week=second, start=START, skills=skills
        ),
        fixed=fixed,
    )
    assert after.phases[:settled] == before.phases[:settled]
