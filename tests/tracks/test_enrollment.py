"""Enrolling, switching tracks, regenerating plans and ticking key actions (services)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import build_track, enroll, goals_for, phase_states
from tracks import plans, services
from tracks.models import Enrollment, KeyActionProgress, PhaseProgress, SourceRole


def test_enrolling_unlocks_the_first_phase_and_locks_the_rest(learner, small_track):
    saved = services.save_goals(learner=learner, goals=goals_for(small_track))
    assert saved.enrolled
    assert phase_states(saved.enrollment) == ["unlocked", "locked", "locked", "locked", "locked"]
    first = saved.enrollment.phase_progress.get(phase__order=1)
    assert first.unlocked_at is not None and first.mastered_at is None
    assert saved.enrollment.key_action_progress.count() == 20
    assert saved.enrollment.key_action_progress.filter(ticked_at__isnull=False).count() == 0


def test_the_plan_starts_today_in_the_learners_time_zone(learner, small_track):
    now = timezone.now().replace(hour=23, minute=30)  # 23:30 UTC is the next day in Tokyo
    saved = services.save_goals(
        learner=learner, goals=goals_for(small_track, time_zone="Asia/Tokyo"), now=now
    )
    assert saved.enrollment.started_on == (now + timedelta(hours=9)).date()
    assert saved.enrollment.plan["start"] == saved.enrollment.started_on.isoformat()


def test_saving_the_same_goals_twice_changes_nothing(learner, small_track):
    first = services.save_goals(learner=learner, goals=goals_for(small_track))
    second = services.save_goals(learner=learner, goals=goals_for(small_track))
    assert not second.enrolled and second.changes == []
    assert second.enrollment.pk == first.enrollment.pk
    assert PhaseProgress.objects.count() == 5
    assert phase_states(second.enrollment)[0] == "unlocked"


def test_switching_tracks_pauses_the_other_and_keeps_its_progress(learner, small_track):
    first = enroll(learner, small_track)
    ticked = first.key_action_progress.first()
    services.set_key_action_done(progress=ticked, done=True)
    other = build_track(phases=2, actions_per_phase=2)

    second = enroll(learner, other)

    first.refresh_from_db()
    assert first.status == "paused" and second.status == "active"
    assert phase_states(first)[0] == "unlocked"
    assert KeyActionProgress.objects.get(pk=ticked.pk).done

    back = services.save_goals(learner=learner, goals=goals_for(small_track))
    assert back.resumed and not back.enrolled
    assert Enrollment.objects.get(pk=second.pk).status == "paused"
    assert KeyActionProgress.objects.get(pk=ticked.pk).done


def test_a_learner_cannot_have_two_active_enrollments(learner, small_track):
    enrollment = enroll(learner, small_track)
    other = build_track(phases=1, actions_per_phase=1)
    with pytest.raises(IntegrityError):
        Enrollment.objects.create(
            learner=learner,
            track=other,
            background="newcomer",
            hours_per_week=5,
            started_on=enrollment.started_on,
        )


def test_activate_switches_back_and_is_safe_twice(learner, small_track):
    first = enroll(learner, small_track)
    enroll(learner, build_track(phases=1, actions_per_phase=1))
    services.activate(enrollment=first)
    services.activate(enrollment=first)
    assert list(Enrollment.objects.active().filter(learner=learner)) == [first]


def test_more_hours_regenerate_a_shorter_plan_and_say_what_changed(learner, small_track):
    before = enroll(learner, small_track, hours=5).plan
    saved = services.save_goals(learner=learner, goals=goals_for(small_track, hours=20))
    assert saved.enrollment.plan["role_date"] < before["role_date"]
    assert any("Build Foundational Skills" in change for change in saved.changes)
    assert any("earlier" in change for change in saved.changes)


def test_declared_skills_outside_the_track_are_ignored(learner, small_track):
    from tests.factories import SkillFactory

    stray = SkillFactory(slug="knitting")
    saved = services.save_goals(learner=learner, goals=goals_for(small_track, skills=[stray]))
    assert list(saved.enrollment.skills.all()) == []


# --- Ticking --------------------------------------------------------------------------------


def test_ticking_is_idempotent_and_keeps_the_first_time(learner, small_track):
    enrollment = enroll(learner, small_track)
    progress = enrollment.key_action_progress.filter(key_action__phase__order=1).first()
    first = services.set_key_action_done(progress=progress, done=True).ticked_at
    again = services.set_key_action_done(progress=progress, done=True).ticked_at
    assert first is not None and again == first
    assert not services.set_key_action_done(progress=progress, done=False).done


def test_a_locked_phases_key_actions_cannot_be_ticked(learner, small_track):
    enrollment = enroll(learner, small_track)
    progress = enrollment.key_action_progress.filter(key_action__phase__order=2).first()
    with pytest.raises(services.PhaseNotOpen):
        services.set_key_action_done(progress=progress, done=True)
    assert not KeyActionProgress.objects.get(pk=progress.pk).done


def test_a_paused_tracks_key_actions_cannot_be_ticked(learner, small_track):
    enrollment = enroll(learner, small_track)
    enroll(learner, build_track(phases=1, actions_per_phase=1))
    progress = enrollment.key_action_progress.filter(key_action__phase__order=1).first()
    with pytest.raises(services.PhaseNotOpen):
        services.set_key_action_done(progress=progress, done=True)


# --- Regeneration never touches progress (property) ------------------------------------------


def master_first_phase(enrollment):
    """What the progression service (issue 5) will do; here by hand, for the property."""
    now = timezone.now()
    enrollment.phase_progress.filter(phase__order=1).update(state="mastered", mastered_at=now)
    enrollment.phase_progress.filter(phase__order=2).update(state="unlocked", unlocked_at=now)


goal_changes = st.fixed_dictionaries(
    {
        "background": st.sampled_from(SourceRole.values),
        "hours": st.integers(min_value=1, max_value=60),
        "target_weeks": st.none() | st.integers(min_value=1, max_value=200),
        "skill_count": st.integers(min_value=0, max_value=18),
    }
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(changes=st.lists(goal_changes, min_size=1, max_size=3))
def test_regenerating_never_changes_a_mastered_phase_or_ticked_actions(
    learner, small_track, changes
):
    enrollment = Enrollment.objects.filter(learner=learner, track=small_track).first()
    if enrollment is None:
        enrollment = enroll(learner, small_track)
        master_first_phase(enrollment)
        for progress in enrollment.key_action_progress.filter(key_action__phase__order__lte=2)[:5]:
            KeyActionProgress.objects.filter(pk=progress.pk).update(ticked_at=timezone.now())
    progress_before = list(PhaseProgress.objects.order_by("pk").values())
    ticks_before = list(KeyActionProgress.objects.order_by("pk").values())
    mastered_entry = plans.plan_from_json(enrollment.plan).phases[0]
    skills = list(small_track.skills.order_by("slug"))

    for change in changes:
        target = change["target_weeks"]
        enroll(
            learner,
            small_track,
            background=change["background"],
            hours=change["hours"],
            skills=skills[: change["skill_count"]],
            target_date=None if target is None else timezone.localdate() + timedelta(weeks=target),
        )

    enrollment.refresh_from_db()
    assert list(PhaseProgress.objects.order_by("pk").values()) == progress_before
    assert list(KeyActionProgress.objects.order_by("pk").values()) == ticks_before
    assert plans.plan_from_json(enrollment.plan).phases[0] == mastered_entry
