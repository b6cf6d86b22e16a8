"""Seed rubrics come with the track files, twice without harm; the demo mentor covers every
track."""

from pathlib import Path

import pytest
from django.urls import reverse

from demo.loader import ensure_demo_accounts
from mentors.models import MentorProfile, Rubric, RubricCriterion, RubricLevel
from tracks.models import Track
from tracks.trackfile import import_track_files

pytestmark = pytest.mark.usefixtures("fallback_reviewer")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seed_tracks(db):
    import_track_files(sorted((ROOT / "tracks" / "content").glob("*.yaml")))


def test_importing_the_seeds_gives_every_phase_of_every_track_a_rubric_once(seed_tracks):
    import_track_files(sorted((ROOT / "tracks" / "content").glob("*.yaml")))  # again
    for track in Track.objects.all():
        phases = track.phases.all()
        rubrics = Rubric.objects.filter(phase__in=phases, key_action=None)
        assert rubrics.count() == phases.count() == 5, track.slug
    for criterion in RubricCriterion.objects.all():
        assert criterion.levels.filter(score=criterion.pass_score).exists()
    assert RubricLevel.objects.count() >= 3 * RubricCriterion.objects.count()


def test_the_demo_mentor_covers_every_published_track(settings, seed_tracks):
    settings.EMBEDDED = True
    ensure_demo_accounts()
    ensure_demo_accounts()
    profile = MentorProfile.objects.get(user__email="mentor@example.com")
    assert set(profile.tracks.all()) == set(Track.objects.published())


def test_admin_refuses_a_pass_level_that_is_not_one_of_the_levels(client, staff, seed_tracks):
    criterion = RubricCriterion.objects.first()
    levels = list(criterion.levels.all())
    client.force_login(staff)
    data = {
        "rubric": criterion.rubric_id,
        "order": criterion.order,
        "title": criterion.title,
        "description": "",
        "pass_score": 7,
        "levels-TOTAL_FORMS": len(levels),
        "levels-INITIAL_FORMS": len(levels),
        "levels-MIN_NUM_FORMS": 2,
        "levels-MAX_NUM_FORMS": 1000,
    }
    for i, level in enumerate(levels):
        data |= {
            f"levels-{i}-id": level.pk,
            f"levels-{i}-criterion": criterion.pk,
            f"levels-{i}-score": level.score,
            f"levels-{i}-label": level.label,
            f"levels-{i}-description": level.description,
        }
    url = reverse("admin:mentors_rubriccriterion_change", args=[criterion.pk])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "The pass level (7) must be the score of one of the levels: 1, 2, 3." in (
        response.content.decode()
    )
    criterion.refresh_from_db()
    assert criterion.pass_score == 2


@pytest.mark.parametrize(
    "model",
    ["mentorprofile", "mentorassignment", "rubric", "rubriccriterion", "submission", "review"],
)
def test_admin_pages_for_mentors_open(client, staff, submitted, rubric, model):
    client.force_login(staff)
    assert client.get(reverse(f"admin:mentors_{model}_changelist")).status_code == 200
    first = {
        "submission": submitted.pk,
        "rubric": rubric.pk,
        "rubriccriterion": rubric.criteria.first().pk,
    }
    if model in first:
        url = reverse(f"admin:mentors_{model}_change", args=[first[model]])
        assert client.get(url).status_code == 200
