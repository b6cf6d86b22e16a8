"""A plan keeps its word: no phase is planned shorter than its gate can be met in."""

from datetime import date, timedelta

import pytest

from tracks import gates, plans
from tracks.plans import Goals
from tracks.selectors import plan_track
from tracks.services import set_gate

START = date(2027, 1, 4)


def plan_for(track, background, hours=10):
    return plans.generate_plan(
        track=track, goals=Goals(background=background, hours_per_week=hours, start=START)
    )


def gate_days(phase) -> int:
    return gates.gate_minimum_days(phase, [(c.kind, c.params) for c in phase.gate_criteria.all()])


@pytest.mark.parametrize("background", ["data-scientist", "ml-researcher", "software-engineer"])
@pytest.mark.parametrize("hours", [10, 40, 60])
def test_no_phase_of_the_seed_is_planned_shorter_than_its_gate(small_track, background, hours):
    plan = plan_for(plan_track(small_track), background, hours)
    for phase in small_track.phases.all():
        entry = plan.phase(phase.pk)
        assert (entry.end - entry.start).days >= gate_days(phase), phase.title


def test_a_retention_window_makes_a_tested_out_phase_last_long_enough(small_track):
    # The data scientist's phase 1 is mostly covered (tested out), yet its gate asks for
    # cards held over 7 days and a mentor's review: one week cannot hold that.
    phase1 = small_track.phases.get(order=1)
    assert gate_days(phase1) > 7
    entry = plan_for(plan_track(small_track), "data-scientist", 60).phase(phase1.pk)
    assert entry.weeks >= 2


def test_each_kind_brings_its_own_minimum(small_track, settings):
    phase1 = small_track.phases.get(order=1)
    settings.EVIDENCE_REVIEW_PROMISE_HOURS = 24 * 9  # a slow promise: nine days
    assert gates.gate_minimum_days(phase1, [("evidence_approved", {})]) == 10
    settings.FLASHCARDS_NEW_PER_DAY = 1  # cards trickle in one a day
    cards = phase1.deck.cards.filter(is_active=True).count()
    needed = -(-cards * 80 // 100)
    window = gates.gate_minimum_days(phase1, [("card_retention", {"interval_days": 7})])
    assert window == needed + 7


def test_a_quiz_cooldown_and_daily_limit_set_the_mastery_minimum(small_track):
    phase1 = small_track.phases.get(order=1)
    quiz = phase1.quiz
    quiz.questions_per_attempt, quiz.attempts_per_day, quiz.cooldown_minutes = 1, 1, 0
    quiz.save()
    # Four answers per skill, one question an attempt, one attempt a day: four days.
    assert gates.gate_minimum_days(phase1, [("skill_mastery", {})]) == 4
    quiz.attempts_per_day, quiz.cooldown_minutes = None, 36 * 60  # 36 h between attempts
    quiz.save()
    assert gates.gate_minimum_days(phase1, [("skill_mastery", {})]) == 6
    assert gates.gate_minimum_days(phase1, [("quiz_score", {})]) == 0


def test_a_new_kind_brings_its_own_minimum(small_track):
    phase1 = small_track.phases.get(order=1)
    kind = gates.CriterionKind(
        key="test_slow_kind",
        label="Slow",
        description="Takes a month.",
        evaluate=lambda enrollment, phase, params: None,
        minimum_days=lambda phase, params: 30,
    )
    gates.register(kind)
    try:
        assert gates.gate_minimum_days(phase1, [("test_slow_kind", {})]) == 30
        track = plan_track(small_track)
        slow = plans.PlanTrack(
            phases=tuple(
                p if p.id != phase1.pk else plans.PlanPhase(**{**p.__dict__, "min_days": 30})
                for p in track.phases
            ),
            backgrounds=track.backgrounds,
        )
        assert plan_for(slow, "data-scientist", 60).phase(phase1.pk).weeks >= 5
    finally:
        gates._kinds.pop("test_slow_kind")


def test_a_gate_set_later_lengthens_the_plan_made_from_it(small_track):
    phase2 = small_track.phases.get(order=2)
    before = plan_for(plan_track(small_track), "data-scientist", 60).phase(phase2.pk)
    set_gate(phase=phase2, criteria=[("evidence_approved", {}), ("card_retention", {})])
    after = plan_for(plan_track(small_track), "data-scientist", 60).phase(phase2.pk)
    assert (after.end - after.start) >= timedelta(days=gate_days(phase2))
    assert after.weeks >= before.weeks


def test_the_plan_counts_on_the_job_growth_apart_from_study(small_track):
    plan = plan_for(plan_track(small_track), "data-scientist")
    assert plan.job_weeks > 0
    assert plan.end == plan.role_date + timedelta(weeks=plan.job_weeks)


# --- On schedule, behind, ahead: from the gate against the plan -------------------------------


def one_phase_plan(weeks=2, min_days=8):
    entry = plans.PhasePlan(
        phase_id=1,
        order=1,
        weeks=weeks,
        start=START,
        end=START + timedelta(weeks=weeks),
        min_days=min_days,
    )
    return plans.Plan(
        start=START, hours_per_week=10, phases=(entry,), role_date=entry.end, study_weeks=weeks
    )


def pace(plan, today, progress, met, total=4):
    return plans.pace(
        plan=plan, current_phase_id=1, today=today, gate_progress=progress, met=met, total=total
    )


def test_nothing_met_with_less_time_left_than_the_gate_needs_is_behind():
    # The demo learner: 0 of 4 criteria met with five days left, the gate needs eight.
    result = pace(one_phase_plan(), START + timedelta(days=9), 0.0, 0)
    assert result.status == "behind"
    assert "0 of 4 criteria met with 5 days left" in result.reason


def test_a_gate_well_under_way_at_the_same_date_is_on_schedule():
    assert pace(one_phase_plan(), START + timedelta(days=9), 0.8, 3).status == "on"


def test_a_slow_start_early_in_the_phase_is_no_news():
    assert pace(one_phase_plan(weeks=8), START + timedelta(days=6), 0.0, 0).status == "on"


def test_gate_progress_trailing_the_calendar_is_behind():
    result = pace(one_phase_plan(weeks=8, min_days=0), START + timedelta(weeks=6), 0.1, 0)
    assert result.status == "behind" and "75 % of this phase's time is spent" in result.reason


def test_reaching_a_phase_before_its_planned_start_is_ahead():
    result = pace(one_phase_plan(), START - timedelta(weeks=3), 0.0, 0)
    assert (result.status, result.weeks) == ("ahead", 3)
