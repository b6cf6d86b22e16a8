"""Rubrics are part of the track file: import, export, and folding the legacy files in."""

import copy
import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from mentors.models import Review, ReviewScore, Rubric, RubricCriterion, Submission, SubmissionRound
from mentors.rubrics import load_rubric_file
from tests.conftest import verified_user
from tracks.models import Track
from tracks.trackfile import (
    TrackFileError,
    dump_yaml,
    export_track,
    import_track_files,
    import_track_specs,
    parse_track_file,
)

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "tracks" / "content").glob("*.yaml"))
LEGACY = sorted((ROOT / "mentors" / "content").glob("rubrics*.yaml"))

RUBRIC = {
    "title": "Deployment rubric",
    "description": "For a model served behind an API.",
    "criteria": [
        {
            "title": "It runs",
            "description": "From the README alone.",
            "pass_level": 2,
            "levels": [
                {"score": 1, "label": "Not yet", "description": "It does not start."},
                {"score": 2, "label": "Solid", "description": "It starts and answers."},
                {"score": 3, "label": "Exemplary", "description": "Health checks too."},
            ],
        },
        {
            "title": "Explained",
            "pass_level": 2,
            "levels": [{"score": 1, "label": "Not yet"}, {"score": 2, "label": "Solid"}],
        },
    ],
}


def load(data: dict) -> None:
    import_track_specs([parse_track_file(dump_yaml(data), name="t.yaml")], retire=True)


@pytest.fixture
def seed_with_rubric(db):
    data = yaml.safe_load(SEEDS[0].read_text())
    data["phases"][0]["rubric"] = copy.deepcopy(RUBRIC)
    return data


def test_a_phase_rubric_is_imported_from_the_track_file(seed_with_rubric):
    load(seed_with_rubric)
    rubric = Rubric.objects.get(key_action=None, phase__slug=seed_with_rubric["phases"][0]["slug"])
    assert rubric.title == "Deployment rubric"
    first = rubric.criteria.get(order=1)
    assert first.pass_score == 2
    assert list(first.levels.values_list("score", "label")) == [
        (1, "Not yet"),
        (2, "Solid"),
        (3, "Exemplary"),
    ]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_each_seed_with_its_legacy_rubrics_round_trips_byte_for_byte(db, seed):
    import_track_files([seed])
    slug = yaml.safe_load(seed.read_text())["track"]["slug"]
    for path in LEGACY:
        if yaml.safe_load(path.read_text())["track"] == slug:
            load_rubric_file(path)
    track = Track.objects.get(slug=slug)
    if not Rubric.objects.filter(phase__track=track).exists():  # no legacy file: add one
        data = yaml.safe_load(export_track(track))
        data["phases"][0]["rubric"] = copy.deepcopy(RUBRIC)
        load(data)
    first = export_track(track)
    assert "rubric:" in first
    Rubric.objects.all().delete()
    Track.objects.all().delete()
    import_track_specs([parse_track_file(first, name="exported.yaml")])
    assert export_track(Track.objects.get(slug=slug)) == first


def test_a_bad_pass_level_is_refused_naming_the_phase(seed_with_rubric):
    seed_with_rubric["phases"][0]["rubric"]["criteria"][0]["pass_level"] = 7
    with pytest.raises(
        TrackFileError, match=r'phases\[0\] "[^"]+": rubric: criteria: .*pass_level 7 is not'
    ):
        parse_track_file(dump_yaml(seed_with_rubric), name="t.yaml")


def test_a_file_without_the_section_keeps_the_rubric_and_one_with_it_replaces_it(
    seed_with_rubric,
):
    load(seed_with_rubric)
    without = {**seed_with_rubric, "phases": [dict(p) for p in seed_with_rubric["phases"]]}
    without["phases"][0].pop("rubric")
    load(without)
    assert Rubric.objects.filter(title="Deployment rubric").exists()
    shorter = yaml.safe_load(dump_yaml(seed_with_rubric))
    shorter["phases"][0]["rubric"]["criteria"].pop()
    load(shorter)
    assert list(RubricCriterion.objects.values_list("title", flat=True)) == ["It runs"]


def test_a_criterion_a_review_scored_cannot_leave_the_file(seed_with_rubric):
    load(seed_with_rubric)
    track = Track.objects.get(slug=seed_with_rubric["track"]["slug"])
    phase = track.phases.get(order=1)
    action = phase.key_actions.filter(needs_evidence=True).first() or phase.key_actions.first()
    learner, mentor = verified_user("l@test.example"), verified_user("m@test.example")
    submission = Submission.objects.create(
        learner=learner, key_action=action, phase=phase, track=track, state="approved"
    )
    round_ = SubmissionRound.objects.create(submission=submission, number=1, writeup="Done.")
    review = Review.objects.create(round=round_, mentor=mentor, verdict="approved", feedback="Ok.")
    explained = RubricCriterion.objects.get(title="Explained")
    ReviewScore.objects.create(
        review=review,
        criterion=explained,
        level=explained.levels.get(score=2),
        score=2,
        pass_score=2,
    )
    shorter = yaml.safe_load(dump_yaml(seed_with_rubric))
    shorter["phases"][0]["rubric"]["criteria"].pop()
    with pytest.raises(TrackFileError, match="'Explained' scored reviews and cannot be removed"):
        load(shorter)
    assert RubricCriterion.objects.filter(title="Explained").exists()


def test_fold_rubrics_writes_the_legacy_rubrics_into_the_track_files(db, tmp_path):
    tracks = []
    for seed in SEEDS:
        shutil.copy(seed, tmp_path / seed.name)
        tracks.append(str(tmp_path / seed.name))
    call_command("fold_rubrics", "--tracks", *tracks, "--rubrics", *map(str, LEGACY))
    assert not Track.objects.exists()  # the database is left as it was
    folded = yaml.safe_load((tmp_path / "ai-engineering.yaml").read_text())
    legacy = yaml.safe_load(LEGACY[0].read_text())
    by_phase = {p["slug"]: p.get("rubric") for p in folded["phases"]}
    for rubric in legacy["rubrics"]:
        assert by_phase[rubric["phase"]]["title"] == rubric["title"]
        assert len(by_phase[rubric["phase"]]["criteria"]) == len(rubric["criteria"])
    # The folded files import, and then carry the rubrics without the legacy file.
    import_track_files([Path(t) for t in tracks])
    assert Rubric.objects.filter(phase__track__slug="ai-engineering").count() == len(
        legacy["rubrics"]
    )
