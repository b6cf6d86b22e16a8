from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.factories import verified_user


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Plain static storage: tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    # Each test starts with an empty cache, so rate limits do not leak between tests.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "template_fragments": django_settings.FRAGMENT_CACHE,
    }
    # A fast hasher: each user costs a second with the production one (PBKDF2).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def learner(db):
    return verified_user("learner@test.example")


@pytest.fixture
def stranger(db):
    return verified_user("stranger@test.example")


@pytest.fixture
def staff(db):
    return verified_user("admin@test.example", is_staff=True, is_superuser=True)


@pytest.fixture
def fallback_reviewer(db):
    """A staff reviewer of last resort: a published track asking for approved evidence needs
    someone to review it, so every test that imports a published seed has one."""
    from mentors.models import MentorProfile

    user = verified_user("fallback-reviewer@test.example", is_staff=True)
    MentorProfile.objects.create(user=user, is_fallback_reviewer=True)
    return user


@pytest.fixture
def ai_engineering(db, fallback_reviewer):
    """The real AI Engineering seed track (seed 004), as `load_demo` loads it. Slow (a
    3,300-line file): tests about the seed itself take it; others take `small_track`."""
    from tracks.models import Track
    from tracks.trackfile import import_track_files

    import_track_files(
        [Path(django_settings.BASE_DIR) / "tracks" / "content" / "ai-engineering.yaml"]
    )
    return Track.objects.get(slug="ai-engineering")


@pytest.fixture
def small_track(db, fallback_reviewer):
    """A small published track in the track-file format (tests/fixtures/small-track.yaml): the
    AI Engineering seed's phases, key actions, skills, backgrounds and gates with the fewest
    questions and cards the content rules allow, for tests that are not about the seed."""
    from tracks.models import Track
    from tracks.trackfile import import_track_files

    import_track_files([Path(__file__).resolve().parent / "fixtures" / "small-track.yaml"])
    return Track.objects.get(slug="small-ai-engineering")


@pytest.fixture
def kinds():
    """Only the test kinds of tests/reminders/fakes.py in the reminder registry."""
    from reminders.kinds import registry
    from tests.reminders.fakes import Announcement, DailyNudge

    with registry.override(DailyNudge(), Announcement()):
        yield


@pytest.fixture
def eager_tasks():
    """Tasks run in the calling thread when enqueued (no broker, no worker)."""
    from edirae.celery import app as celery_app

    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved
