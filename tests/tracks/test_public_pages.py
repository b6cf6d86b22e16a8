"""The landing page, the catalog and track pages work without an account, in bounded queries."""

import pytest

from tests.factories import TrackFactory, build_track
from tracks.models import Track


@pytest.mark.django_db
def test_the_landing_page_states_the_promise_and_invites_sign_up(client):
    build_track(phases=1, actions_per_phase=1, title="AI Engineering")
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mastery over speed" in html
    assert "Start free" in html and "/accounts/signup/" in html
    assert "AI Engineering" in html


@pytest.mark.django_db
def test_the_catalog_lists_published_tracks_only(client):
    TrackFactory(title="Published track")
    TrackFactory(title="Secret draft", status=Track.Status.DRAFT)
    html = client.get("/tracks/").content.decode()
    assert "Published track" in html
    assert "Secret draft" not in html


@pytest.mark.django_db
def test_the_catalog_says_so_when_there_is_no_track(client):
    assert "No tracks yet" in client.get("/tracks/").content.decode()


@pytest.mark.django_db
def test_a_track_page_shows_phases_key_actions_resources_and_faqs(client):
    track = build_track(phases=2, actions_per_phase=2, title="AI Engineering")
    track.faqs.create(question="Do I need a PhD?", answer="No.")
    html = client.get(track.get_absolute_url()).content.decode()
    assert "Phase 1" in html and "Phase 2" in html
    assert "Action 2.2" in html
    assert "Certification" in html
    assert "Do I need a PhD?" in html


@pytest.mark.django_db
def test_a_draft_track_is_404_for_visitors_and_visible_to_staff(client, staff):
    track = TrackFactory(status=Track.Status.DRAFT)
    assert client.get(track.get_absolute_url()).status_code == 404
    client.force_login(staff)
    response = client.get(track.get_absolute_url())
    assert response.status_code == 200
    assert "Draft: only staff see this page" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_track_gets_the_friendly_404(client):
    response = client.get("/tracks/nope/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("phases", [1, 6])
def test_the_track_page_query_count_does_not_grow_with_phases(
    client, django_assert_max_num_queries, phases
):
    track = build_track(phases=phases, actions_per_phase=4)
    # track; then its content, once per change of it: phases, key actions, their skills,
    # phase resources, track resources, backgrounds, FAQs
    with django_assert_max_num_queries(8):
        assert client.get(track.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(1):  # the track: its content is kept
        assert client.get(track.get_absolute_url()).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("tracks", [1, 5])
def test_the_catalog_and_landing_query_counts_do_not_grow_with_tracks(
    client, django_assert_max_num_queries, tracks
):
    for _ in range(tracks):
        build_track(phases=2, actions_per_phase=1)
    with django_assert_max_num_queries(1):
        assert client.get("/tracks/").status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_pages_send_a_content_security_policy(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_authored_text_wraps_into_paragraphs_and_is_escaped(client):
    track = build_track(
        phases=1,
        actions_per_phase=1,
        description="First line\nwraps here.\n\nSecond <b>paragraph</b>.",
    )
    html = client.get(track.get_absolute_url()).content.decode()
    assert "<p>First line wraps here.</p>" in html
    assert "<p>Second &lt;b&gt;paragraph&lt;/b&gt;.</p>" in html
