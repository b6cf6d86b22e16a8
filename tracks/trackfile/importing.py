"""Importing track files: every file validated before anything is written, then all written in
one transaction; rows are matched by slug and key so learners' progress stays where it is."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import models, transaction
from django.db.models import F, Q

from tracks import gates, progression
from tracks.models import (
    FAQ,
    Background,
    KeyAction,
    Phase,
    Resource,
    Skill,
    Track,
)
from tracks.services import publish_problems, set_gate
from tracks.trackfile.reading import key_action_keys, parse_track_file
from tracks.trackfile.spec import (
    PhaseSpec,
    ResourceSpec,
    RetireRefused,
    TrackFile,
    TrackFileError,
    phase_sections,
)


@dataclass(frozen=True)
class ImportResult:
    slug: str
    created: bool
    phases: int
    key_actions: int
    retired: tuple[str, ...] = ()  # what left the file and was retired, as phrases


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
    with progression.content_written_in_bulk():
        for i, spec in enumerate(specs):
            try:
                results.append(_write(spec, retire=retire))
            except TrackFileError as exc:
                name = names[i] if names else f"track {spec.track.slug}"
                raise type(exc)(f"{name}: {exc}") from None
    # Cached gate reports and memoized content of these tracks are left behind, and of any
    # other track listing a skill the files (re)wrote (one UPDATE each).
    written = Q(slug__in=[s.track.slug for s in specs])
    written |= Q(skills__slug__in=[skill.slug for s in specs for skill in s.skills])
    for track_id in Track.objects.filter(written).values_list("pk", flat=True).distinct():
        progression.content_changed(track_id=track_id)
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
        if problems:
            raise TrackFileError(f'phases[{i}] "{p.title}": gate: {problems[0]}')
        set_gate(phase=phase, criteria=criteria)
    # The same rules as publishing in the admin: one home, services.publish_problems.
    if spec.track.status == "published" and (problems := publish_problems(track=track)):
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
    # In place, so what learners recorded against a resource (marked done) survives a
    # re-import that does not remove it.
    write_in_place(
        Resource,
        list(Resource.objects.filter(track=track, phase=phase).order_by("order", "id")),
        [{"order": i, **r.model_dump()} for i, r in enumerate(specs, start=1)],
        track=track,
        phase=phase,
    )


def write_in_place(model: type[models.Model], existing: list, rows: list[dict], **parent) -> None:
    """Write a section's child rows position by position: the n-th existing row takes the
    n-th row's fields (one UPDATE, only when something differs), extra rows are deleted and
    missing ones created with `parent`'s fields. So ids that learners' records point at
    (a resource marked done, a choice in an answer) keep their meaning when a typo is fixed.
    Safe twice: the second call writes nothing."""
    for row, fields in zip(existing, rows, strict=False):
        if any(getattr(row, name) != value for name, value in fields.items()):
            model.objects.filter(pk=row.pk).update(**fields)
    model.objects.filter(pk__in=[row.pk for row in existing[len(rows) :]]).delete()
    model.objects.bulk_create(model(**parent, **fields) for fields in rows[len(existing) :])
