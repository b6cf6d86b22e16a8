"""The track-file format (docs/track-format.md) as pydantic models, its errors, and the
optional phase sections other apps register (`register_phase_section`)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from tracks.models import (
    Phase,
    Skill,
)

FORMAT_VERSION = 1

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=50)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Order = Annotated[int, Field(ge=1, le=1000)]


class TrackFileError(Exception):
    """A track file cannot be imported; the message names the file and the entry at fault."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SkillSpec(_Strict):
    slug: Slug
    name: Text
    description: str = ""
    prerequisites: list[Slug] = []


class ResourceSpec(_Strict):
    kind: Literal["certification", "course", "book", "article", "video", "tool", "community"]
    title: Text
    provider: str = ""
    cost: str = ""
    url: Annotated[str, StringConstraints(pattern=r"^(https?://\S+)?$")] = ""
    why: str = ""


Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]


class KeyActionSpec(_Strict):
    order: Order
    key: Key | None = None  # None: derived from the text on import (tracks.models.derive_key)
    text: Text
    needs_evidence: bool = False
    skills: list[Slug] = []


class GateCriterionSpec(BaseModel):
    """`- kind: quiz_score` followed by the kind's parameters (`threshold: 80`)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*$", max_length=40)]

    @property
    def params(self) -> dict:
        return dict(self.model_extra or {})


class PhaseSpec(_Strict):
    order: Order
    slug: Slug
    title: Text
    summary: str = ""
    description: str = ""
    min_weeks: Annotated[int, Field(ge=1, le=1000)]
    max_weeks: Annotated[int, Field(ge=1, le=1000)]
    on_the_job: bool = False
    key_actions: list[KeyActionSpec] = []
    resources: list[ResourceSpec] = []
    gate: list[GateCriterionSpec] = []


class BackgroundSpec(_Strict):
    slug: Slug
    title: Text
    summary: str = ""
    transferable: list[Text] = []
    gaps: list[Text] = []
    min_months: Annotated[int, Field(ge=0, le=600)]
    max_months: Annotated[int, Field(ge=0, le=600)]
    covers_skills: list[Slug] = []


class FAQSpec(_Strict):
    question: Text
    answer: Text


class TrackSpec(_Strict):
    slug: Slug
    title: Text
    summary: Text
    description: str = ""
    target_role: Text
    difficulty: Literal["beginner", "intermediate", "advanced"]
    typical_duration: Text
    status: Literal["draft", "published"] = "draft"
    day_in_the_life: str = ""


class TrackFile(_Strict):
    format: Literal[1]
    track: TrackSpec
    skills: list[SkillSpec] = []
    phases: Annotated[list[PhaseSpec], Field(min_length=1)]
    resources: list[ResourceSpec] = []
    backgrounds: list[BackgroundSpec] = []
    faqs: list[FAQSpec] = []


# --- Optional phase sections registered by other apps ---------------------------------------


@dataclass(frozen=True)
class PhaseSection:
    """An optional key of each phase, owned by another app.

    - `spec`: the pydantic model of the section (use `_Strict`-like models: extra="forbid").
    - `write(phase, spec_or_none, skills)`: store the section of one phase during an import
      (inside the import's transaction); `None` means the file has no such section. `skills`
      maps the file's skill slugs to saved skills.
    - `export(phase)`: the section of one phase as a `spec` instance, or None to leave it out.
    - `check(spec, skill_slugs)`: problems the types cannot see (duplicates, unknown skills),
      as sentences; they are prefixed with the phase and section name.
    """

    name: str
    spec: type[BaseModel]
    write: Callable[[Phase, BaseModel | None, dict[str, Skill]], None]
    export: Callable[[Phase], BaseModel | None]
    check: Callable[[BaseModel, set[str]], list[str]] | None = None


_phase_sections: dict[str, PhaseSection] = {}
_models: tuple[type[BaseModel], type[BaseModel]] | None = None


def register_phase_section(
    name: str,
    *,
    spec: type[BaseModel],
    write: Callable[[Phase, BaseModel | None, dict[str, Skill]], None],
    export: Callable[[Phase], BaseModel | None],
    check: Callable[[BaseModel, set[str]], list[str]] | None = None,
) -> None:
    """Add an optional `name:` key to every phase of the track-file format. Safe to call twice."""
    global _models
    if name in PhaseSpec.model_fields:
        raise ValueError(f"'{name}' is already a phase field.")
    _phase_sections[name] = PhaseSection(name, spec, write, export, check)
    _models = None


def phase_sections() -> list[PhaseSection]:
    return list(_phase_sections.values())


def _file_models() -> tuple[type[BaseModel], type[BaseModel]]:
    """The phase and file models with the registered sections (in registration order)."""
    global _models
    if _models is None:
        phase_model = create_model(
            "PhaseSpec",
            __base__=PhaseSpec,
            **{s.name: (s.spec | None, None) for s in _phase_sections.values()},
        )
        file_model = create_model(
            "TrackFile",
            __base__=TrackFile,
            phases=(Annotated[list[phase_model], Field(min_length=1)], ...),
        )
        _models = (phase_model, file_model)
    return _models


class RetireRefused(TrackFileError):
    """The file leaves out phases or key actions the database has; retiring them needs
    `retire=True` (`import_track --retire`). The message names each one."""
