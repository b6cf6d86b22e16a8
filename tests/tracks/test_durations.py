"""Duration labels have one home (tracks.durations): the catalog, the track page and the
settings page say a length the same way."""

import pytest

from tests.factories import TrackFactory
from tracks.durations import months_label, months_range_label


def test_a_single_estimate_reads_in_weeks_months_or_years():
    assert months_label(1) == "1 week"
    assert months_label(8) == "8 weeks"
    assert months_label(39) == "about 9 months"
    assert months_label(104) == "about 2 years"


def test_a_range_in_months_reads_as_one_figure_when_its_ends_agree():
    assert months_range_label(3, 6) == "3-6 months"
    assert months_range_label(6, 6) == "6 months"
    assert months_range_label(1, 1) == "1 month"


@pytest.mark.django_db
def test_the_catalog_and_the_track_page_say_a_background_s_range_the_same_way(client):
    track = TrackFactory(title="Ranged track")
    TrackFactory(title="Another track")  # the comparison table needs two
    track.backgrounds.create(slug="swe", title="Software engineer", min_months=3, max_months=6)
    assert "3-6 months" in client.get("/tracks/").content.decode()
    assert "typically 3-6 months" in client.get(track.get_absolute_url()).content.decode()
