"""Track files: the YAML format of docs/track-format.md, read and written.

`import_track_files` validates every file completely before writing anything, then writes all
of them in one transaction, so a bad file never leaves a half-imported track behind.
`export_track` writes the same format; export, import, export gives the same bytes.

Other apps add optional sections to each phase (the Learning Center's `quiz` and `deck`, later
`gate` and `rubric`) with `register_phase_section` from their AppConfig.ready(), so this module
never imports them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from django.db import models, transaction
from django.db.models import F
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, create_model

from tracks import gates, progression
from tracks.graphs import find_cycle
from tracks.models import (
    FAQ,
    Background,
    KeyAction,
    Phase,
    Resource,
    Skill,
    Track,
    derive_key,
    unique_key,
)
from tracks.services import criteria_publish_problems, set_gate

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


# --- Reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    slug: str
    created: bool
    phases: int
    key_actions: int
    retired: tuple[str, ...] = ()  # what left the file and was retired, as phrases


class RetireRefused(TrackFileError):
    """The file leaves out phases or key actions the database has; retiring them needs
    `retire=True` (`import_track --retire`). The message names each one."""


def key_action_keys(actions: list[KeyActionSpec]) -> list[str]:
    """The keys of a phase's key actions: the file's, or derived from the text (in file order,
    `-2`, `-3`... on a clash), the way the migration derived the keys of existing rows."""
    explicit = {a.key for a in actions if a.key}
    keys: list[str] = []
    for a in actions:
        keys.append(a.key or unique_key(derive_key(a.text), explicit | set(keys)))
    return keys


def parse_track_file(text: str, *, name: str) -> TrackFile:
    """Parse and validate one file's text; raise TrackFileError naming `name` and the entry."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        problem = getattr(exc, "problem", None) or exc
        raise TrackFileError(f"{name}: malformed YAML{line}: {problem}") from None
    if not isinstance(data, dict):
        raise TrackFileError(f"{name}: expected a mapping with 'format', 'track' and 'phases'.")
    try:
        spec = _file_models()[1].model_validate(data)
    except ValidationError as exc:
        raise TrackFileError(f"{name}: {_describe(exc, data)}") from None
    problems = _cross_reference_problems(spec)
    if problems:
        raise TrackFileError(f"{name}: {problems[0]}")
    return spec


def _describe(exc: ValidationError, data: dict) -> str:
    """Turn pydantic's first error into 'phases[2] "Title": key_actions[1]: unknown field'."""
    error = exc.errors()[0]
    parts: list[str] = []
    node: object = data
    for item in error["loc"][:-1] if error["type"] != "missing" else error["loc"]:
        if isinstance(item, int):
            parts[-1] += f"[{item}]"
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, dict):
                label = (
                    node.get("title") or node.get("slug") or node.get("key") or node.get("question")
                )
                if label:
                    parts[-1] += f' "{label}"'
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    where = ": ".join(parts)
    last = error["loc"][-1] if error["loc"] else ""
    match error["type"]:
        case "extra_forbidden":
            message = f"unknown field '{last}'"
        case "missing":
            where = ": ".join(parts[:-1])
            message = f"missing required field '{last}'"
        case _:
            message = (
                f"{last}: {error['msg']}" if last and not isinstance(last, int) else error["msg"]
            )
    return f"{where}: {message}" if where else message


def _cross_reference_problems(spec: TrackFile) -> list[str]:
    problems: list[str] = []
    skills = {skill.slug for skill in spec.skills}

    def unknown(refs: Iterable[str], where: str) -> None:
        for ref in refs:
            if ref not in skills:
                problems.append(f"{where}: unknown skill '{ref}' (list it under 'skills')")

    _duplicates([s.slug for s in spec.skills], "skills", "slug", problems)
    for i, skill in enumerate(spec.skills):
        unknown(skill.prerequisites, f'skills[{i}] "{skill.slug}": prerequisites')
    cycle = find_cycle({s.slug: s.prerequisites for s in spec.skills})
    if cycle:
        problems.append("skills: prerequisites form a cycle: " + " -> ".join(cycle))
    _duplicates([p.order for p in spec.phases], "phases", "order", problems)
    _duplicates([p.slug for p in spec.phases], "phases", "slug", problems)
    for i, phase in enumerate(spec.phases):
        where = f'phases[{i}] "{phase.title}"'
        if phase.min_weeks > phase.max_weeks:
            problems.append(
                f"{where}: minimum weeks {phase.min_weeks} is above maximum {phase.max_weeks}"
            )
        _duplicates(
            [a.order for a in phase.key_actions], f"{where}: key_actions", "order", problems
        )
        _duplicates(
            [a.key for a in phase.key_actions if a.key], f"{where}: key_actions", "key", problems
        )
        for j, action in enumerate(phase.key_actions):
            unknown(action.skills, f"{where}: key_actions[{j}]")
        for section in phase_sections():
            value = getattr(phase, section.name, None)
            if value is not None and section.check is not None:
                problems.extend(
                    f"{where}: {section.name}: {problem}"
                    for problem in section.check(value, skills)
                )
    _duplicates([b.slug for b in spec.backgrounds], "backgrounds", "slug", problems)
    for i, background in enumerate(spec.backgrounds):
        where = f'backgrounds[{i}] "{background.title}"'
        if background.min_months > background.max_months:
            problems.append(
                f"{where}: minimum months {background.min_months} "
                f"is above maximum {background.max_months}"
            )
        unknown(background.covers_skills, f"{where}: covers_skills")
    return problems


def _duplicates(values: list, where: str, field: str, problems: list[str]) -> None:
    seen: set = set()
    for i, value in enumerate(values):
        if value in seen:
            problems.append(f"{where}[{i}]: duplicate {field} {value!r}")
        seen.add(value)


def import_track_files(paths: Iterable[Path], *, retire: bool = False) -> list[ImportResult]:
    """Validate every file, then write them all in one transaction. Safe to run twice.

    Phases are matched by slug, key actions by key, questions and cards by key: never by
    position. Nothing is deleted. Phases and key actions the database has but the file leaves
    out are retired only with `retire=True`; otherwise `RetireRefused` names them and nothing
    is written. Questions and cards that left the file are always retired (see quizzes).
    """
    specs: list[TrackFile] = []
    paths = list(paths)
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise TrackFileError(f"{path}: cannot read: {exc.strerror}") from None
        specs.append(parse_track_file(text, name=str(path)))
    return import_track_specs(specs, names=[str(path) for path in paths], retire=retire)


@transaction.atomic
def import_track_specs(
    specs: list[TrackFile], names: list[str] | None = None, *, retire: bool = False
) -> list[ImportResult]:
    results = []
    with progression.gate_content_written_in_bulk():
        for i, spec in enumerate(specs):
            try:
                results.append(_write(spec, retire=retire))
            except TrackFileError as exc:
                name = names[i] if names else f"track {spec.track.slug}"
                raise type(exc)(f"{name}: {exc}") from None
    # Cached gate reports of learners on these tracks are left behind (one UPDATE each).
    for track_id in Track.objects.filter(slug__in=[s.track.slug for s in specs]).values_list(
        "pk", flat=True
    ):
        progression.gate_content_changed(track_id=track_id)
    return results


def _retirements(track: Track, spec: TrackFile) -> list[str]:
    """What the database has live that the file leaves out, as phrases naming each one and
    the learners who reached or ticked it (two queries)."""
    listed = {p.slug: set(key_action_keys(p.key_actions)) for p in spec.phases}
    phases = list(
        track.phases.filter(retired=False).annotate(
            learners=models.Count(
                "progress", filter=~models.Q(progress__state="locked"), distinct=True
            )
        )
    )
    gone: list[str] = []
    for phase in phases:
        if phase.slug not in listed:
            gone.append(
                f"phase '{phase.slug}' \"{phase.title}\"{_learners('reached', phase.learners)}"
            )
    actions = (
        KeyAction.objects.filter(phase__in=[p for p in phases if p.slug in listed], retired=False)
        .select_related("phase")
        .annotate(
            learners=models.Count(
                "progress", filter=models.Q(progress__ticked_at__isnull=False), distinct=True
            )
        )
        .order_by("phase__order", "order")
    )
    for action in actions:
        if action.key not in listed[action.phase.slug]:
            gone.append(
                f"key action '{action.key}' of phase '{action.phase.slug}' "
                f'("{action.text}"){_learners("ticked", action.learners)}'
            )
    return gone


def _learners(verb: str, count: int) -> str:
    return f", {verb} by {count} learner{'s' if count != 1 else ''}" if count else ""


def _write(spec: TrackFile, *, retire: bool = False) -> ImportResult:
    skills: dict[str, Skill] = {}
    for s in spec.skills:
        skills[s.slug], _ = Skill.objects.update_or_create(
            slug=s.slug, defaults={"name": s.name, "description": s.description}
        )
    for s in spec.skills:
        skills[s.slug].prerequisites.set([skills[p] for p in s.prerequisites])

    track, created = Track.objects.update_or_create(
        slug=spec.track.slug, defaults=spec.track.model_dump(exclude={"slug"})
    )
    track.skills.set(skills.values())

    # Phases are matched by slug and key actions by key, so learners' progress, ticks and
    # evidence stay on the same rows whatever the file's order or wording. Nothing is
    # deleted: what left the file is retired (with `retire`), or the import is refused.
    gone = [] if created else _retirements(track, spec)
    if gone and not retire:
        raise RetireRefused(
            "these are in the database but not in the file: "
            + "; ".join(gone)
            + ". Put them back in the file, or import with --retire to retire them "
            "(kept for the learners enrolled on them and their history, hidden from new "
            "learners)."
        )
    listed_slugs = [p.slug for p in spec.phases]
    track.phases.filter(retired=False).exclude(slug__in=listed_slugs).update(retired=True)
    existing = {phase.slug: phase for phase in track.phases.all()}
    # Live orders move out of the way first, so the unique (track, order) constraint holds at
    # every statement; retired rows keep theirs (the constraint ignores them).
    track.phases.filter(retired=False).update(order=F("order") + 10000)
    key_action_count = 0
    written: list[tuple[Phase, PhaseSpec]] = []
    for p in spec.phases:
        sections = phase_sections()
        fields = p.model_dump(
            exclude={"slug", "key_actions", "resources", "gate", *(s.name for s in sections)}
        )
        phase = existing.get(p.slug)
        if phase is None:
            phase = Phase.objects.create(track=track, slug=p.slug, **fields)
        else:
            Phase.objects.filter(pk=phase.pk).update(retired=False, **fields)
        keys = key_action_keys(p.key_actions)
        phase.key_actions.filter(retired=False).exclude(key__in=keys).update(retired=True)
        phase.key_actions.filter(retired=False).update(order=F("order") + 10000)
        for key, a in zip(keys, p.key_actions, strict=True):
            action, _ = KeyAction.objects.update_or_create(
                phase=phase,
                key=key,
                defaults={
                    "order": a.order,
                    "text": a.text,
                    "needs_evidence": a.needs_evidence,
                    "retired": False,
                },
            )
            action.skills.set([skills[slug] for slug in a.skills])
            key_action_count += 1
        _write_resources(track, phase, p.resources)
        for section in sections:
            section.write(phase, getattr(p, section.name, None), skills)
        written.append((phase, p))
    # Gates last: their criteria refer to what the phase has (its quiz, deck, skills).
    for i, (phase, p) in enumerate(written):
        criteria = [(c.kind, c.params) for c in p.gate]
        problems = gates.gate_problems(phase, criteria) if criteria else []
        if not criteria and spec.track.status == "published" and i < len(written) - 1:
            problems = ["a published track needs a gate on every phase but the last"]
        if problems:
            raise TrackFileError(f'phases[{i}] "{p.title}": gate: {problems[0]}')
        set_gate(phase=phase, criteria=criteria)
    if spec.track.status == "published" and (problems := criteria_publish_problems(track=track)):
        raise TrackFileError(f"track: cannot be published: {problems[0]}")
    _write_resources(track, None, spec.resources)

    track.backgrounds.exclude(slug__in=[b.slug for b in spec.backgrounds]).delete()
    for b in spec.backgrounds:
        background, _ = Background.objects.update_or_create(
            track=track, slug=b.slug, defaults=b.model_dump(exclude={"slug", "covers_skills"})
        )
        background.covers_skills.set([skills[slug] for slug in b.covers_skills])

    track.faqs.all().delete()
    FAQ.objects.bulk_create(
        FAQ(track=track, order=i, question=f.question, answer=f.answer)
        for i, f in enumerate(spec.faqs, start=1)
    )
    return ImportResult(
        slug=track.slug,
        created=created,
        phases=len(spec.phases),
        key_actions=key_action_count,
        retired=tuple(gone),
    )


def _write_resources(track: Track, phase: Phase | None, specs: list[ResourceSpec]) -> None:
    # Updated in place, position by position, so that what learners recorded against a
    # resource (marked done) survives a re-import that does not remove it.
    existing = list(Resource.objects.filter(track=track, phase=phase).order_by("order", "id"))
    for i, (resource, r) in enumerate(zip(existing, specs, strict=False), start=1):
        fields = {"order": i, **r.model_dump()}
        if any(getattr(resource, name) != value for name, value in fields.items()):
            Resource.objects.filter(pk=resource.pk).update(**fields)
    Resource.objects.filter(pk__in=[r.pk for r in existing[len(specs) :]]).delete()
    Resource.objects.bulk_create(
        Resource(track=track, phase=phase, order=i, **r.model_dump())
        for i, r in enumerate(specs[len(existing) :], start=len(existing) + 1)
    )


# --- Writing --------------------------------------------------------------------------------


def export_track(track: Track) -> str:
    """The track as a track file (YAML text). Deterministic: same data, same bytes."""
    phases = list(
        track.phases.filter(retired=False)
        .prefetch_related(
            models.Prefetch(
                "key_actions",
                queryset=KeyAction.objects.filter(retired=False).prefetch_related("skills"),
            ),
            "resources",
            "gate_criteria",
        )
        .order_by("order")
    )
    skills = list(track.skills.prefetch_related("prerequisites").order_by("slug"))
    phase_model, file_model = _file_models()
    sections = phase_sections()
    spec = file_model(
        format=FORMAT_VERSION,
        track=TrackSpec(
            slug=track.slug,
            title=track.title,
            summary=track.summary,
            description=track.description,
            target_role=track.target_role,
            difficulty=track.difficulty,
            typical_duration=track.typical_duration,
            status=track.status,
            day_in_the_life=track.day_in_the_life,
        ),
        skills=[
            SkillSpec(
                slug=s.slug,
                name=s.name,
                description=s.description,
                prerequisites=sorted(p.slug for p in s.prerequisites.all()),
            )
            for s in skills
        ],
        phases=[
            phase_model(
                order=p.order,
                slug=p.slug,
                title=p.title,
                summary=p.summary,
                description=p.description,
                min_weeks=p.min_weeks,
                max_weeks=p.max_weeks,
                on_the_job=p.on_the_job,
                key_actions=[
                    KeyActionSpec(
                        order=a.order,
                        key=a.key,
                        text=a.text,
                        needs_evidence=a.needs_evidence,
                        skills=sorted(s.slug for s in a.skills.all()),
                    )
                    for a in p.key_actions.all()
                ],
                resources=[_resource_spec(r) for r in p.resources.all()],
                gate=[GateCriterionSpec(kind=c.kind, **c.params) for c in p.gate_criteria.all()],
                **{section.name: section.export(p) for section in sections},
            )
            for p in phases
        ],
        resources=[_resource_spec(r) for r in track.resources.filter(phase=None)],
        backgrounds=[
            BackgroundSpec(
                slug=b.slug,
                title=b.title,
                summary=b.summary,
                transferable=b.transferable,
                gaps=b.gaps,
                min_months=b.min_months,
                max_months=b.max_months,
                covers_skills=sorted(s.slug for s in b.covers_skills.all()),
            )
            for b in track.backgrounds.prefetch_related("covers_skills")
        ],
        faqs=[FAQSpec(question=f.question, answer=f.answer) for f in track.faqs.all()],
    )
    data = spec.model_dump(exclude_defaults=True)
    for phase in data["phases"]:  # the gate reads best last, after what it refers to
        if "gate" in phase:
            phase["gate"] = phase.pop("gate")
    return dump_yaml(data)


def _resource_spec(r: Resource) -> ResourceSpec:
    return ResourceSpec(
        kind=r.kind, title=r.title, provider=r.provider, cost=r.cost, url=r.url, why=r.why
    )


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Text with several lines (paragraphs, code) as a literal block, kept exactly as authored;
    # everything else plain, or quoted where YAML needs it.
    style = "|" if "\n" in value else None
    if style:
        value = "\n".join(line.rstrip() for line in value.splitlines()) + "\n"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: dict) -> str:
    # Never wrap: a paragraph is one line (docs/track-format.md, "Prose"), and a folded line
    # would read back as a different string.
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=float("inf"), indent=2
    )
