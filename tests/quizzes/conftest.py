import pytest


@pytest.fixture(autouse=True)
def _no_fuzz(settings):
    # Production spreads long intervals with random fuzz; tests compare exact intervals.
    settings.FSRS_ENABLE_FUZZING = False
