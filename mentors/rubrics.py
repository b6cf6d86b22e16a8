"""Phase rubrics: the `rubric` section of track files (mentors/trackfile.py).

`write_phase_rubric` creates or updates rubrics, criteria (by order) and levels (by score) in
place. A track file's section is the whole rubric, so criteria and levels it leaves out are
removed unless a review scored them (then the import is refused, naming them). Safe to run
twice.
"""

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mentors.models import ReviewScore, Rubric, RubricCriterion, RubricLevel
from tracks.models import Phase


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


class PhaseRubricSpec(BaseModel):
    """A phase's rubric: the `rubric` section of a phase in a track file."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=160)
    description: str = ""
    criteria: list[CriterionSpec] = Field(min_length=1)


class RubricInUse(Exception):
    """A criterion or level that a review scored cannot leave the rubric."""


def write_phase_rubric(*, phase: Phase, spec: PhaseRubricSpec, prune: bool) -> Rubric:
    """Create or update the phase's rubric (not a key action's own) from `spec`.

    With `prune`, criteria beyond the spec's and levels it does not list are removed; one a
    review scored raises RubricInUse (reviews keep pointing at what they scored).
    """
    rubric, _ = Rubric.objects.update_or_create(
        phase=phase,
        key_action=None,
        defaults={"title": spec.title, "description": spec.description},
    )
    for order, criterion_spec in enumerate(spec.criteria, start=1):
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
        if prune:
            scores = [level.score for level in criterion_spec.levels]
            _prune(criterion.levels.exclude(score__in=scores), f"criterion '{criterion.title}'")
    if prune:
        _prune(rubric.criteria.filter(order__gt=len(spec.criteria)), "the rubric")
    return rubric


def _prune(rows, where: str) -> None:
    model = rows.model
    field = "level" if model is RubricLevel else "criterion"
    used = ReviewScore.objects.filter(**{f"{field}__in": rows}).values_list(
        f"{field}__{'label' if model is RubricLevel else 'title'}", flat=True
    )
    used = sorted(set(used))
    if used:
        raise RubricInUse(
            f"{where}: {', '.join(repr(u) for u in used)} scored reviews and cannot be removed "
            "(keep it in the file, or change its wording)"
        )
    rows.delete()
