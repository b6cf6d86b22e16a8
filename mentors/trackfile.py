"""The `rubric` section of each phase in track files (docs/track-format.md).

Registered with tracks.trackfile from MentorsConfig.ready(), so tracks never imports mentors.
The section is the phase's rubric (not a key action's own): title, description, criteria
with levels and a pass level, the same data as the legacy rubric files (mentors/rubrics.py).
A phase without the section keeps whatever rubric it has, so files written before rubrics
were part of the format, and rubrics loaded from a legacy file, survive a re-import.
"""

from pydantic import BaseModel

from mentors.models import Rubric, RubricCriterion
from mentors.rubrics import (
    CriterionSpec,
    LevelSpec,
    PhaseRubricSpec,
    RubricInUse,
    write_phase_rubric,
)
from tracks.models import Phase, Skill
from tracks.trackfile import TrackFileError, register_phase_section


def write_rubric(phase: Phase, spec: BaseModel | None, skills: dict[str, Skill]) -> None:
    if spec is None:
        return
    assert isinstance(spec, PhaseRubricSpec)
    try:
        write_phase_rubric(phase=phase, spec=spec, prune=True)
    except RubricInUse as exc:
        raise TrackFileError(f'phase "{phase.title}": rubric: {exc}') from None


def export_rubric(phase: Phase) -> PhaseRubricSpec | None:
    rubric = (
        Rubric.objects.filter(phase=phase, key_action=None)
        .prefetch_related("criteria__levels")
        .first()
    )
    if rubric is None:
        return None
    criteria: list[RubricCriterion] = sorted(rubric.criteria.all(), key=lambda c: c.order)
    return PhaseRubricSpec(
        title=rubric.title,
        description=rubric.description,
        criteria=[
            CriterionSpec(
                title=c.title,
                description=c.description,
                pass_level=c.pass_score,
                levels=[
                    LevelSpec(score=level.score, label=level.label, description=level.description)
                    for level in sorted(c.levels.all(), key=lambda lv: lv.score)
                ],
            )
            for c in criteria
        ],
    )


def register() -> None:
    register_phase_section("rubric", spec=PhaseRubricSpec, write=write_rubric, export=export_rubric)
