from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from tracks import services
from tracks.models import Track
from tracks.trackfile import import_track_files

SEED = Path(settings.BASE_DIR) / "tracks" / "content"


@pytest.fixture
def ai_engineering(db) -> Track:
    """The real AI Engineering seed track (seed 004), as `load_demo` loads it."""
    import_track_files([SEED / "ai-engineering.yaml"])
    return Track.objects.get(slug="ai-engineering")


def enroll(learner, track, *, background="software-engineer", hours=10, **extra):
    goals = services.GoalsInput(
        track=track,
        background=background,
        hours_per_week=hours,
        time_zone=extra.pop("time_zone", "Europe/Paris"),
        target_date=extra.pop("target_date", None),
        skills=tuple(extra.pop("skills", ())),
    )
    return services.save_goals(learner=learner, goals=goals, **extra)


@pytest.fixture
def today() -> date:
    return date.today()
