"""The learner's pages: goal form, dashboard, ticking, settings and the calendar feed."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from tests.factories import build_track, enroll
from tracks import services
from tracks.models import CalendarFeed, Enrollment, KeyActionProgress, Track


@pytest.fixture
def owner(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def stranger_client(stranger):
    client = Client()
    client.force_login(stranger)
    return client


def goal_data(chosen, **overrides):
    data = {
        "background": "software-engineer",
        "track": chosen.slug,
        "hours_per_week": "10",
        "target_date": "",
        "time_zone": "Europe/Paris",
    }
    data.update(overrides)
    return data


# --- Goal form ------------------------------------------------------------------------------


def test_signing_in_without_goals_lands_on_the_goal_form(owner, small_track):
    assert owner.get(reverse("plan:start")).url == reverse("plan:goals")


def test_signing_in_with_goals_lands_on_the_dashboard(owner, learner, small_track):
    enroll(learner, small_track)
    assert owner.get(reverse("plan:start")).url == reverse("home")


def test_the_goal_form_offers_the_six_roles_and_the_tracks_skills(owner, small_track):
    page = owner.get(reverse("plan:goals")).content.decode()
    for role in ("Software engineer", "Data scientist", "PhD", "Data engineer", "Quantitative"):
        assert role in page
    assert "Student or newcomer" in page
    assert "Kubernetes" in page and "data-browser-timezone" in page


def test_giving_goals_enrolls_and_shows_the_plan(owner, learner, small_track):
    response = owner.post(reverse("plan:goals"), goal_data(small_track), follow=True)
    enrollment = Enrollment.objects.get(learner=learner)
    assert enrollment.track == small_track and enrollment.time_zone == "Europe/Paris"
    page = response.content.decode()
    assert "Your plan for AI Engineering is ready" in page
    assert "Phase 1 · Build Foundational Skills" in page
    assert "Opens when you have met the gate of Phase 1" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours_per_week", "0", "Give at least 1 hour a week."),
        ("hours_per_week", "61", "60 hours a week is the most a plan assumes."),
        ("hours_per_week", "", "Say how many hours a week you can give."),
        ("background", "astronaut", "Select a valid choice."),
        ("time_zone", "Mars/Olympus", "is not a time zone we know"),
        ("target_date", "2001-01-01", "Pick a date in the future, or leave it empty."),
        ("target_date", "soon", "Give a date like 2027-06-30."),
        ("track", "no-such-track", "This track is not open"),
    ],
)
def test_bad_goals_get_a_clear_message_per_field(owner, small_track, field, value, message):
    response = owner.post(reverse("plan:goals"), goal_data(small_track, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Enrollment.objects.exists()


def test_a_draft_track_cannot_be_chosen(owner, small_track):
    draft = build_track(phases=1, actions_per_phase=1, status=Track.Status.DRAFT)
    response = owner.post(reverse("plan:goals"), goal_data(draft))
    assert "This track is not open" in response.content.decode()


def test_changing_the_track_swaps_the_skills_checklist_by_htmx(owner, small_track):
    other = build_track(phases=1, actions_per_phase=1, title="Other track")
    response = owner.get(reverse("plan:goals"), {"track": other.slug}, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<fieldset class="form-row" id="goal-skills">')
    assert "Other track" in fragment and "Kubernetes" not in fragment


def test_editing_goals_shows_what_changed(owner, learner, small_track):
    enroll(learner, small_track, hours=5)
    response = owner.post(
        reverse("plan:goals"), goal_data(small_track, hours_per_week="20"), follow=True
    )
    page = response.content.decode()
    assert "What changed in your plan" in page and "earlier" in page


def test_the_goal_form_is_prefilled_with_the_current_goals(owner, learner, small_track):
    enroll(learner, small_track, hours=17, background="data-scientist")
    page = owner.get(reverse("plan:goals")).content.decode()
    assert 'value="17"' in page
    assert re.search(r'<input type="radio"[^>]*value="data-scientist"[^>]*checked', page)


def test_the_goal_form_says_when_no_track_is_open(owner, db):
    page = owner.get(reverse("plan:goals")).content.decode()
    assert "No track is open yet" in page


# --- Dashboard ------------------------------------------------------------------------------


def test_a_visitor_sees_the_landing_page(client, small_track):
    assert "Learn deliberately." in client.get("/").content.decode()


def test_a_learner_without_goals_is_asked_for_them(owner, small_track):
    page = owner.get("/").content.decode()
    assert "Tell us your goals" in page and reverse("plan:goals") in page


def test_a_learner_sees_an_empty_state_when_no_track_is_open(owner, db):
    assert "No track is open yet" in owner.get("/").content.decode()


def test_the_dashboard_shows_the_current_phase_the_timeline_and_locked_phases(
    owner, learner, small_track
):
    enroll(learner, small_track, background="data-scientist")
    page = owner.get("/").content.decode()
    assert "Current phase" in page and "Phase 1 · Build Foundational Skills" in page
    assert page.count("covered: test out") == 4  # a data scientist tests out of phase 1
    assert 'class="tl-today"' in page and "On schedule" in page
    for n in (1, 2, 3, 4):
        assert f"Opens when you have met the gate of Phase {n}" in page
    assert "growth in the role" in page  # phase 5, on the job
    assert "Machine Learning Specialization (Andrew Ng)" in page  # phase 1 resources
    assert ">Continue<" in page and "Start the flashcards" in page


def test_the_dashboard_says_behind_by_n_weeks(owner, learner, small_track):
    # At noon UTC, 30 weeks back is 30 weeks of the learner's own days (Paris): late in the
    # evening the summer start would fall on the next local day, and the plan be 29 weeks old.
    today = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    long_ago = today - timedelta(weeks=30)
    enrollment = enroll(learner, small_track, background="data-scientist", at=long_ago)
    planned = Enrollment.objects.get(pk=enrollment.pk).plan["phases"][0]["weeks"]
    with time_machine.travel(today, tick=False):
        page = owner.get("/").content.decode()
    assert f"Behind by {30 - planned} weeks" in page and "planned to end on" in page
    assert "add hours a week or move your target date" in page


def test_a_target_date_the_plan_misses_is_said_with_the_hours_that_meet_it(
    owner, learner, small_track
):
    target = timezone.localdate() + timedelta(weeks=30)
    enroll(learner, small_track, target_date=target)
    page = owner.get("/").content.decode()
    assert "before this plan reaches the role" in page
    assert "hours a week you would make it" in page


def test_a_finished_track_says_so(owner, learner, small_track):
    enrollment = enroll(learner, small_track)
    enrollment.phase_progress.update(state="mastered", mastered_at=timezone.now())
    page = owner.get("/").content.decode()
    assert "Track finished" in page and "Current phase" not in page


def test_paused_tracks_can_be_resumed_from_the_dashboard(owner, learner, small_track):
    first = enroll(learner, small_track)
    enroll(learner, build_track(phases=1, actions_per_phase=1))
    page = owner.get("/").content.decode()
    assert reverse("plan:activate", args=[first.pk]) in page
    owner.post(reverse("plan:activate", args=[first.pk]))
    first.refresh_from_db()
    assert first.is_active


@pytest.mark.parametrize("size", [(2, 1), (8, 6)])
def test_the_dashboard_query_count_does_not_grow_with_the_track(
    owner, learner, django_assert_max_num_queries, size
):
    phases, actions = size
    track = build_track(phases=phases, actions_per_phase=actions)
    for phase in track.phases.all():  # a gate on every phase: its labels show on locked ones
        services.set_gate(
            phase=phase, criteria=[("evidence_approved", {}), ("key_actions_done", {})]
        )
    track.phases.filter(order=1).first().key_actions.update(needs_evidence=True)
    enroll(learner, track)
    enroll(learner, build_track(phases=1, actions_per_phase=1))  # a paused enrollment
    services.activate(enrollment=Enrollment.objects.get(learner=learner, track=track))
    # session, user, time zone, bell; page: enrollments, phase and key action progress rows
    # (one query), and once per process and change of the track's content: its phases, key
    # actions, gate labels and resources; gate: criteria, evidence 1, key actions 1; momentum:
    # study days (cached until new study)
    with django_assert_max_num_queries(13):
        response = owner.get("/")
    assert response.content.decode().count('class="checklist-item') == actions


# --- Ticking --------------------------------------------------------------------------------


def first_action(learner, track) -> KeyActionProgress:
    return KeyActionProgress.objects.filter(
        enrollment__learner=learner, key_action__phase__order=1
    ).order_by("key_action__order")[0]


def test_ticking_by_htmx_returns_the_row_and_the_next_action(owner, learner, small_track):
    enroll(learner, small_track)
    progress = first_action(learner, small_track)
    url = reverse("plan:key_action", args=[progress.pk])
    response = owner.post(url, {"done": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<li id="key-action-{progress.pk}"')
    assert 'aria-pressed="true"' in body
    assert 'id="next-action"' in body and 'hx-swap-oob="true"' in body
    assert "1 of 4 key actions ticked" in body
    assert KeyActionProgress.objects.get(pk=progress.pk).done


def test_ticking_works_without_javascript(owner, learner, small_track):
    enroll(learner, small_track)
    progress = first_action(learner, small_track)
    response = owner.post(reverse("plan:key_action", args=[progress.pk]), {"done": "1"})
    assert response.status_code == 302 and response.url == reverse("home")
    owner.post(reverse("plan:key_action", args=[progress.pk]), {"done": "0"})
    assert not KeyActionProgress.objects.get(pk=progress.pk).done


def test_a_locked_phases_action_cannot_be_ticked(owner, learner, small_track):
    enrollment = enroll(learner, small_track)
    locked = enrollment.key_action_progress.filter(key_action__phase__order=2).first()
    response = owner.post(
        reverse("plan:key_action", args=[locked.pk]), {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409
    assert not KeyActionProgress.objects.get(pk=locked.pk).done


def test_ticking_needs_a_post(owner, learner, small_track):
    enroll(learner, small_track)
    progress = first_action(learner, small_track)
    assert owner.get(reverse("plan:key_action", args=[progress.pk])).status_code == 405


# --- Access ---------------------------------------------------------------------------------


def test_a_stranger_gets_404_for_someone_elses_key_action(stranger_client, learner, small_track):
    enroll(learner, small_track)
    progress = first_action(learner, small_track)
    url = reverse("plan:key_action", args=[progress.pk])
    assert stranger_client.post(url, {"done": "1"}).status_code == 404
    assert not KeyActionProgress.objects.get(pk=progress.pk).done


def test_a_stranger_gets_404_for_someone_elses_enrollment(
    stranger_client, stranger, learner, small_track
):
    theirs = enroll(learner, small_track)
    enroll(learner, build_track(phases=1, actions_per_phase=1))  # theirs is now paused
    url = reverse("plan:activate", args=[theirs.pk])
    assert stranger_client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "paused"
    assert not Enrollment.objects.filter(learner=stranger).exists()


def test_a_visitor_is_sent_to_log_in(client, learner, small_track):
    enroll(learner, small_track)
    progress = first_action(learner, small_track)
    for url in (
        reverse("plan:goals"),
        reverse("plan:settings"),
        reverse("plan:start"),
    ):
        assert client.get(url).url.startswith(reverse("account_login"))
    response = client.post(reverse("plan:key_action", args=[progress.pk]), {"done": "1"})
    assert response.url.startswith(reverse("account_login"))


# --- Calendar feed --------------------------------------------------------------------------


def test_the_calendar_feed_lists_the_plans_milestones(client, learner, small_track):
    target = timezone.localdate() + timedelta(weeks=20)
    enrollment = enroll(learner, small_track, target_date=target)
    feed = services.calendar_feed(learner=learner)
    response = client.get(reverse("plan:feed", args=[feed.token]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert "Phase 1 starts: Build Foundational Skills" in events
    assert "Phase 5 starts: Advance to Senior Level" in events
    role = events["Planned: land the Senior AI Engineer role"]
    assert role.decoded("dtstart").isoformat() == enrollment.plan["role_date"]
    assert events["Your target date"].decoded("dtstart") == target
    assert str(calendar["x-wr-calname"]) == "Edirae · AI Engineering"


def test_a_wrong_or_revoked_feed_token_gets_404(client, learner, small_track):
    enroll(learner, small_track)
    feed = services.calendar_feed(learner=learner)
    url = reverse("plan:feed", args=[feed.token])
    assert client.get(reverse("plan:feed", args=["guess"])).status_code == 404
    services.revoke_calendar_feed(learner=learner)
    assert client.get(url).status_code == 404


def test_the_settings_page_turns_the_feed_on_renews_and_revokes_it(owner, learner, small_track):
    enroll(learner, small_track)
    assert "Turn on the calendar feed" in owner.get(reverse("plan:settings")).content.decode()
    owner.post(reverse("plan:calendar_create"))
    token = CalendarFeed.objects.get(learner=learner).token
    page = owner.get(reverse("plan:settings")).content.decode()
    assert f"/plan/calendar/{token}.ics" in page and "webcal://" in page

    owner.post(reverse("plan:calendar_create"), {"reset": "1"})
    renewed = CalendarFeed.objects.get(learner=learner).token
    assert renewed != token
    assert owner.get(reverse("plan:feed", args=[token])).status_code == 404

    owner.post(reverse("plan:calendar_revoke"))
    assert not CalendarFeed.objects.filter(learner=learner).exists()


def test_a_stranger_cannot_see_or_revoke_someone_elses_feed(stranger_client, learner, small_track):
    enroll(learner, small_track)
    feed = services.calendar_feed(learner=learner)
    assert feed.token not in stranger_client.get(reverse("plan:settings")).content.decode()
    stranger_client.post(reverse("plan:calendar_revoke"))
    assert CalendarFeed.objects.filter(pk=feed.pk).exists()


def test_staff_can_read_an_enrollment_in_the_admin(client, staff, learner, small_track):
    enrollment = enroll(learner, small_track)
    client.force_login(staff)
    assert client.get(reverse("admin:tracks_enrollment_changelist")).status_code == 200
    page = client.get(reverse("admin:tracks_enrollment_change", args=[enrollment.pk]))
    assert page.status_code == 200 and "Build Foundational Skills" in page.content.decode()
