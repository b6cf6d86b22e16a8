import pytest

from tests.factories import build_quiz, build_track


@pytest.fixture
def track(db):
    """The gate tests' track: three phases of two key actions; the first of each needs
    evidence. (Modules with a `track` of their own override it.)"""
    track = build_track(phases=3, actions_per_phase=2)
    for phase in track.phases.all():
        phase.key_actions.filter(order=1).update(needs_evidence=True)
    return track


@pytest.fixture
def phase1(track):
    return track.phases.get(order=1)


@pytest.fixture
def quiz(phase1):
    return build_quiz(phase=phase1, per_attempt=3)
