"""The learner the reminder kind tests start from (modules with their own override these)."""

import pytest

from tests.factories import enroll, learning_track, make_mentor, utc


@pytest.fixture
def track():
    return learning_track(title="AI Engineering")


@pytest.fixture
def quiz(track):
    return track.phases.get(order=1).quiz


@pytest.fixture
def deck(track):
    return track.phases.get(order=1).deck


@pytest.fixture
def enrollment(learner, track):
    """10 h a week (a daily cadence), Paris goals, enrolled on Monday 16 November."""
    return enroll(learner, track, at=utc(2026, 11, 16, 10), hours=10)


@pytest.fixture
def mentor(track):
    return make_mentor("mentor@test.example", track)


@pytest.fixture
def action(track):
    """The first key action of phase 1 (it needs evidence)."""
    return track.phases.get(order=1).key_actions.get(order=1)
