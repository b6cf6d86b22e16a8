"""Where people land, the track chosen before signing up, and the catalog's comparison."""

import pytest
from django.urls import reverse

from mentors.models import MentorProfile
from tests.factories import build_track, enroll, verified_user
from tracks.services import set_gate


def test_staff_land_on_authoring(client, staff):
    client.force_login(staff)
    assert client.get(reverse("plan:start")).url == reverse("admin:index")


def test_mentors_land_on_their_queue_and_can_switch_to_learning(client, small_track):
    mentor = verified_user("mentor@test.example")
    MentorProfile.objects.create(user=mentor).tracks.add(small_track)
    enroll(mentor, small_track)  # also a learner
    client.force_login(mentor)
    assert client.get(reverse("plan:start")).url == reverse("mentors:queue")
    menu = client.get(reverse("mentors:queue")).content.decode()
    assert f'href="{reverse("home")}"' in menu and "Review queue" in menu


def test_a_learner_lands_on_the_goals_then_the_dashboard(client, learner, small_track):
    client.force_login(learner)
    assert client.get(reverse("plan:start")).url == reverse("plan:goals")
    enroll(learner, small_track)
    assert client.get(reverse("plan:start")).url == reverse("home")


def test_the_track_chosen_before_signing_up_reaches_the_goal_form(client, small_track):
    response = client.get(reverse("tracks:choose", args=[small_track.slug]))
    assert response.url == reverse("account_signup")
    user = verified_user("newcomer@test.example")
    client.force_login(user)  # sign-up and confirmation keep the session's data
    start = client.get(reverse("plan:start"))
    assert start.url == f"{reverse('plan:goals')}?track={small_track.slug}"
    form = client.get(start.url).content.decode()
    assert f'<option value="{small_track.slug}" selected>' in form
    # Once used, the choice is forgotten: the next log-in lands as usual.
    assert client.get(reverse("plan:start")).url == reverse("plan:goals")


def test_choosing_an_unknown_track_is_a_404(client, db):
    assert client.get(reverse("tracks:choose", args=["no-such-track"])).status_code == 404


@pytest.mark.django_db
def test_the_catalog_compares_the_tracks_in_one_query(client, django_assert_max_num_queries):
    first = build_track(phases=2, actions_per_phase=1, title="First track")
    build_track(phases=1, actions_per_phase=1, title="Second track")
    phase = first.phases.get(order=1)
    phase.key_actions.update(needs_evidence=True)
    set_gate(phase=phase, criteria=[("evidence_approved", {}), ("key_actions_done", {})])
    with django_assert_max_num_queries(1):
        page = client.get("/tracks/").content.decode()
    assert "Compare the tracks" in page
    assert "Key actions done, Mentor-approved evidence" in page
    assert "evidence_approved" not in page
