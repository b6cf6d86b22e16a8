import pytest


@pytest.fixture(autouse=True)
def _learning_settings(settings):
    # Production spreads long intervals with random fuzz; tests compare exact intervals.
    settings.FSRS_ENABLE_FUZZING = False
    # Users are created in almost every test here: a fast hasher keeps the suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
