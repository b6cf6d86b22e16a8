"""Reading a track file: YAML to a validated `TrackFile`, with the checks the types cannot
make (duplicates, unknown skills, prerequisite cycles, each section's own check)."""

from collections.abc import Iterable

import yaml
from pydantic import ValidationError

from tracks.graphs import find_cycle
from tracks.models import (
    derive_key,
    unique_key,
)
from tracks.trackfile.spec import (
    KeyActionSpec,
    TrackFile,
    TrackFileError,
    _file_models,
    phase_sections,
)


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
