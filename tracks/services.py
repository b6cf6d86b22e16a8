"""Business rules of tracks that touch more than one row."""

from tracks.graphs import find_cycle
from tracks.models import Skill


def prerequisite_cycle(*, skill: Skill, prerequisites: list[Skill]) -> list[str] | None:
    """The cycle that giving `skill` these prerequisites would create, as names, or None."""
    edges: dict[str, list[str]] = {}
    for source, target in Skill.prerequisites.through.objects.values_list(
        "from_skill__slug", "to_skill__slug"
    ):
        edges.setdefault(source, []).append(target)
    edges[skill.slug] = [p.slug for p in prerequisites]
    cycle = find_cycle(edges)
    if cycle is None:
        return None
    if skill.slug in cycle:  # tell it from the skill being edited: "Python → Docker → Python"
        start = cycle.index(skill.slug)
        cycle = cycle[start:-1] + cycle[:start] + [skill.slug]
    names = dict(Skill.objects.filter(slug__in=cycle).values_list("slug", "name"))
    names[skill.slug] = skill.name
    return [names.get(slug, slug) for slug in cycle]
