"""The track page keeps its content between requests (memoized per process, and rendered in
the shared cache, both against the track's content stamp); after each kind of edit the very
next page shows it, to visitors and to signed-in learners alike."""

import pytest

from tests.factories import build_track
from tracks.models import Background, Track

pytestmark = pytest.mark.django_db


@pytest.fixture
def track():
    track = build_track(phases=2, actions_per_phase=2, title="AI Engineering")
    track.phases.get(order=1).key_actions.filter(order=1).update(needs_evidence=True)
    track.faqs.create(question="Do I need a PhD?", answer="No.")
    return track


def page(client, track) -> str:
    response = client.get(track.get_absolute_url())
    assert response.status_code == 200
    return response.text


def test_edits_to_phases_actions_skills_faqs_and_resources_show_at_once(client, track):
    assert "Action 1.2" in page(client, track)
    phase = track.phases.get(order=2)
    phase.title = "Shipping to production"
    phase.save()
    action = phase.key_actions.get(order=1)
    action.text = "Deploy a model behind an API"
    action.save()
    html = page(client, track)
    assert "Shipping to production" in html and "Deploy a model behind an API" in html
    skill = track.skills.get()
    skill.name = "Model serving"
    skill.save()
    assert "Model serving" in page(client, track)
    faq = track.faqs.get()
    faq.question = "Do I need a degree?"
    faq.save()
    assert "Do I need a degree?" in page(client, track)
    resource = phase.resources.get()
    resource.delete()
    assert resource.title not in page(client, track)
    Background.objects.create(track=track, slug="quant", title="Quant", min_months=3, max_months=6)
    assert "Quant" in page(client, track)


def test_a_visitor_and_a_learner_each_get_their_own_links(client, learner, track):
    assert "Submit evidence" not in page(client, track)  # a visitor's page, kept first
    client.force_login(learner)
    assert "Submit evidence" in page(client, track)
    client.logout()
    assert "Submit evidence" not in page(client, track)


def test_a_track_turned_back_to_draft_is_gone_for_visitors_at_once(client, track):
    page(client, track)
    Track.objects.filter(pk=track.pk).update(status=Track.Status.DRAFT)
    assert client.get(track.get_absolute_url()).status_code == 404
