from pathlib import Path

import pytest
from django.conf import settings

from tracks.models import Phase, Track
from tracks.trackfile import export_track, import_track_files

pytestmark = pytest.mark.usefixtures("fallback_reviewer")

SEED = Path(settings.BASE_DIR) / "tracks" / "content"


def test_on_the_job_phases_survive_export_and_import(db, tmp_path):
    import_track_files([SEED / "ai-engineering.yaml", SEED / "senior-ml-engineer.yaml"])
    on_the_job = Phase.objects.filter(on_the_job=True)
    assert on_the_job.filter(track__slug="ai-engineering").get().order == 5
    assert on_the_job.filter(track__slug="senior-ml-engineer").count() == 5

    track = Track.objects.get(slug="ai-engineering")
    exported = export_track(track)
    assert exported.count("on_the_job: true") == 1
    Phase.objects.filter(track=track).update(on_the_job=False)
    (tmp_path / "ai.yaml").write_text(exported, encoding="utf-8")
    import_track_files([tmp_path / "ai.yaml"])
    assert export_track(track) == exported
