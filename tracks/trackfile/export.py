"""Exporting a track as a track file: deterministic, so export, import, export gives the same
bytes."""

import yaml
from django.db import models

from tracks.models import (
    KeyAction,
    Resource,
    Track,
)
from tracks.trackfile.spec import (
    FORMAT_VERSION,
    BackgroundSpec,
    FAQSpec,
    GateCriterionSpec,
    KeyActionSpec,
    ResourceSpec,
    SkillSpec,
    TrackSpec,
    _file_models,
    phase_sections,
)


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
