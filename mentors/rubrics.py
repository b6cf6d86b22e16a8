"""Rubric files: YAML that names a track and gives one rubric per phase slug.

`load_rubric_file` creates or updates rubrics, criteria (by order) and levels (by score).
It never deletes a criterion or a level: reviews point at them. Safe to run twice.
"""

from pathlib import Path

import yaml
from django.db import transaction
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mentors.models import Rubric, RubricCriterion, RubricLevel
from tracks.models import Phase


class RubricFileError(Exception):
    pass


class LevelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=0)
    label: str = Field(min_length=1, max_length=60)
    description: str = ""


class CriterionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=160)
    description: str = ""
    pass_level: int = Field(ge=0)
    levels: list[LevelSpec] = Field(min_length=2)

    @model_validator(mode="after")
    def pass_level_is_a_level(self) -> "CriterionSpec":
        scores = [level.score for level in self.levels]
        if len(set(scores)) != len(scores):
            raise ValueError(f"{self.title}: two levels have the same score")
        if self.pass_level not in scores:
            raise ValueError(f"{self.title}: pass_level {self.pass_level} is not a level's score")
        return self


class RubricSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phase: str
    title: str = Field(min_length=1, max_length=160)
    description: str = ""
    criteria: list[CriterionSpec] = Field(min_length=1)


class RubricFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    track: str
    rubrics: list[RubricSpec]


@transaction.atomic
def load_rubric_file(path: Path) -> list[str]:
    """Load the phase rubrics of `path`; return the titles loaded. Safe to run twice."""
    try:
        spec = RubricFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise RubricFileError(f"{path.name}: {exc}") from None
    phases = {p.slug: p for p in Phase.objects.filter(track__slug=spec.track)}
    if not phases:
        raise RubricFileError(f"{path.name}: no track {spec.track!r} (import the track first).")
    loaded = []
    for rubric_spec in spec.rubrics:
        phase = phases.get(rubric_spec.phase)
        if phase is None:
            raise RubricFileError(
                f"{path.name}: track {spec.track} has no phase {rubric_spec.phase!r}."
            )
        rubric, _ = Rubric.objects.update_or_create(
            phase=phase,
            key_action=None,
            defaults={"title": rubric_spec.title, "description": rubric_spec.description},
        )
        for order, criterion_spec in enumerate(rubric_spec.criteria, start=1):
            criterion, _ = RubricCriterion.objects.update_or_create(
                rubric=rubric,
                order=order,
                defaults={
                    "title": criterion_spec.title,
                    "description": criterion_spec.description,
                    "pass_score": criterion_spec.pass_level,
                },
            )
            for level in criterion_spec.levels:
                RubricLevel.objects.update_or_create(
                    criterion=criterion,
                    score=level.score,
                    defaults={"label": level.label, "description": level.description},
                )
        loaded.append(rubric.title)
    return loaded
