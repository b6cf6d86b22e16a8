"""The small track of tests/fixtures/ (the `small_track` fixture) obeys the same rules as a
real seed: it imports through the track-file loader and every phase is measurable."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tracks.content_check import check_track
from tracks.trackfile import import_track_files

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "small-track.yaml"
SEED = Path(settings.BASE_DIR) / "tracks" / "content" / "ai-engineering.yaml"


def test_every_phase_of_the_small_track_is_measurable():
    report = check_track(yaml.safe_load(SMALL.read_text()))
    assert report.measurable == len(report.phases) == 5
    assert report.passes


def test_the_small_track_keeps_the_seeds_phases_key_actions_and_backgrounds():
    small, seed = (yaml.safe_load(path.read_text()) for path in (SMALL, SEED))
    for part, key in [("phases", "slug"), ("backgrounds", "slug"), ("skills", "slug")]:
        assert [x[key] for x in small[part]] == [x[key] for x in seed[part]], part
    for mine, theirs in zip(small["phases"], seed["phases"], strict=True):
        assert mine["key_actions"] == theirs["key_actions"]
        assert mine["gate"] == theirs["gate"]
        assert len(mine["quiz"]["questions"]) < len(theirs["quiz"]["questions"])


@pytest.mark.django_db
def test_the_small_track_imports_as_a_published_track(small_track):
    assert small_track.status == small_track.Status.PUBLISHED
    assert small_track.phases.count() == 5
    assert import_track_files([SMALL])  # a second import of the same file is accepted
