"""Rubrics are part of the track file: import, export, and folding the legacy files in."""

import copy
from pathlib import Path

import pytest
import yaml

from mentors.models import Review, ReviewScore, Rubric, RubricCriterion, Submission, SubmissionRound
from tests.factories import verified_user
from tracks.models import Track
from tracks.trackfile import (
    TrackFileError,
    dump_yaml,
    export_track,
    import_track_files,
    import_track_specs,
    parse_track_file,
)

pytestmark = pytest.mark.usefixtures("fallback_reviewer")

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "tracks" / "content").glob("*.yaml"))

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
def test_each_seed_carries_a_rubric_for_every_phase_and_round_trips_byte_for_byte(db, seed):
    import_track_files([seed])
    slug = yaml.safe_load(seed.read_text())["track"]["slug"]
    track = Track.objects.get(slug=slug)
    assert Rubric.objects.filter(phase__track=track).count() == track.phases.count()
    assert export_track(track) == seed.read_text()


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
    criteria = RubricCriterion.objects.filter(rubric__title="Deployment rubric")
    assert list(criteria.values_list("title", flat=True)) == ["It runs"]


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
