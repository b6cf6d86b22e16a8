"""The passages of a track: the pieces of its own content the AI mentor may quote and cite.

Passages come from the track itself (its description), its phases, key actions, resources
(certifications among them), FAQs, backgrounds, skills, flashcards and the explanations of its
*practice* questions. Assessment questions (their prompts, choices, answers and explanations)
and quiz settings (pass marks, limits) are never passages: the mentor must not be able to hand
out what a gate measures. One UNION query reads them all (its SQL compiled once per track and
process).
"""

import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.db.models import CharField, F, IntegerField, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.urls import reverse

from ai_mentor.text import as_sentence
from quizzes.models import Card, Question
from tracks.models import FAQ, Background, KeyAction, Phase, Resource, Skill, Track

# Per kind, the most passages kept (the seed's largest kind has 91).
MAX_PER_SOURCE = 400


@dataclass(frozen=True)
class Passage:
    """A piece of track content the mentor may quote, with how to cite it."""

    kind: str  # track | phase | key_action | resource | certification | faq | background ...
    pk: int
    label: str  # "Phase 2 · Package a trained model with Docker..."
    title: str
    body: str
    phase_id: int | None = None
    url: str = ""
    meta: str = ""  # a resource's provider and cost: "Google Cloud, ~$200"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}"

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}".strip()


def _truncate(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _label(kind: str, title: str, phase_order: int | None) -> str:
    prefix = f"Phase {phase_order} · " if phase_order is not None else ""
    if kind in ("phase", "key_action"):
        return f"{prefix}{_truncate(title, 90)}"
    if kind == "resource":
        return f"{prefix}Resource: {_truncate(title, 80)}"
    if kind == "certification":
        return f"{prefix}Certification: {_truncate(title, 80)}"
    if kind == "faq":
        return f"FAQ · {_truncate(title, 90)}"
    if kind == "skill":
        return f"Skill · {title}"
    if kind == "background":
        return f"Background · {_truncate(title, 80)}"
    if kind == "track":
        return f"About the track · {_truncate(title, 80)}"
    if kind == "card":
        return f"{prefix}Flashcard: {_truncate(title, 70)}"
    return f"{prefix}Practice: {_truncate(title, 70)}"


def _url(kind: str, track: Track, phase_slug: str | None, resource_url: str = "") -> str:
    if kind in ("resource", "certification") and resource_url:
        return resource_url
    if phase_slug and kind != "faq":
        return _phase_url(track.slug, phase_slug)
    return _track_url(track)


@lru_cache(maxsize=1024)
def _phase_url(track_slug: str, phase_slug: str) -> str:
    # Hundreds of passages share a few phase pages; `reverse` is the slow part of reading.
    return reverse("quizzes:phase", args=[track_slug, phase_slug])


def _track_url(track: Track) -> str:
    return _track_url_of(track.slug)


@lru_cache(maxsize=256)
def _track_url_of(track_slug: str) -> str:
    return reverse("tracks:detail", kwargs={"slug": track_slug})


@dataclass(frozen=True)
class _Source:
    kind: str
    title: str  # field holding the title
    body: tuple[str, ...]  # fields of the body, at most three
    phase_path: str | None  # path to the phase from the model, "" for the phase itself

    def queryset(self, track: Track) -> QuerySet:
        if self.kind == "track":
            return Track.objects.filter(pk=track.pk)
        if self.kind == "phase":
            return Phase.objects.filter(track=track)
        if self.kind == "key_action":
            return KeyAction.objects.filter(phase__track=track)
        if self.kind == "resource":
            return Resource.objects.filter(track=track)
        if self.kind == "faq":
            return FAQ.objects.filter(track=track)
        if self.kind == "background":
            return Background.objects.filter(track=track)
        if self.kind == "skill":
            return Skill.objects.filter(tracks=track)
        if self.kind == "card":
            return Card.objects.filter(
                deck__phase__track=track, is_active=True, deck__is_active=True
            )
        # Practice questions only: never the assessment pool a gate's quiz draws from.
        return Question.objects.filter(
            quiz__phase__track=track,
            quiz__is_active=True,
            is_active=True,
            pool=Question.Pool.PRACTICE,
        )

    def field(self, name: str) -> str:
        return f"{self.phase_path}__{name}" if self.phase_path else name


SOURCES = (
    _Source("track", "title", ("description", "day_in_the_life"), None),
    _Source("phase", "title", ("summary", "description"), ""),
    _Source("key_action", "text", (), "phase"),
    _Source("resource", "title", ("why",), "phase"),
    _Source("faq", "question", ("answer",), None),
    _Source("background", "title", ("summary", "transferable", "gaps"), None),
    _Source("skill", "name", ("description",), None),
    _Source("card", "front", ("back",), "deck__phase"),
    _Source("practice", "prompt", ("explanation",), "quiz__phase"),
)


def _columns(source: _Source) -> dict:
    """The same columns, in the same order, for every source (so they UNION)."""
    text = TextField()
    empty = Value("", output_field=text)
    if source.phase_path is None:
        phase_id, phase_order, phase_slug = (
            Value(None, output_field=IntegerField()),
            Value(None, output_field=IntegerField()),
            Value(None, output_field=CharField()),
        )
    else:
        phase_id = F(source.field("id"))
        phase_order = F(source.field("order"))
        phase_slug = F(source.field("slug"))
    body = [Cast(F(name), text) for name in source.body]
    resource = source.kind == "resource"
    return {
        "p_kind": Value(source.kind, output_field=CharField()),
        "p_id": F("id"),
        "p_phase_id": Cast(phase_id, IntegerField()),
        "p_phase_order": Cast(phase_order, IntegerField()),
        "p_phase_slug": Cast(phase_slug, CharField()),
        "p_title": Cast(F(source.title), text),
        "p_body1": body[0] if body else empty,
        "p_body2": body[1] if len(body) > 1 else empty,
        "p_body3": body[2] if len(body) > 2 else empty,
        "p_url": Cast(F("url"), text) if resource else empty,
        "p_rkind": Cast(F("kind"), text) if resource else empty,
        "p_provider": Cast(F("provider"), text) if resource else empty,
        "p_cost": Cast(F("cost"), text) if resource else empty,
    }


def _list_text(value: str) -> list[str]:
    """A background's `transferable` / `gaps` (a JSON list of sentences) as sentences."""
    try:
        items = json.loads(value) if value else []
    except ValueError:
        return [value]
    return [as_sentence(str(item)) for item in items if str(item).strip()]


CARRIES_OVER, TO_LEARN = "What carries over: ", "What to learn: "


def _passage(row: dict, track: Track) -> Passage:
    kind = row["p_kind"]
    meta = ""
    if kind == "resource":
        if row["p_rkind"] == Resource.Kind.CERTIFICATION:
            kind = "certification"
        meta = ", ".join(part for part in (row["p_provider"], row["p_cost"]) if part)
    if kind == "background":
        parts = [row["p_body1"] or ""]
        carried, missing = _list_text(row["p_body2"]), _list_text(row["p_body3"])
        # Each list is one unit (one sentence): an answer quotes it whole.
        if carried:
            parts.append(CARRIES_OVER + "; ".join(c.rstrip(".") for c in carried) + ".")
        if missing:
            parts.append(TO_LEARN + "; ".join(m.rstrip(".") for m in missing) + ".")
        body = "\n\n".join(part.strip() for part in parts if part.strip())
    elif kind == "track":
        body = "\n\n".join(p.strip() for p in (row["p_body1"], row["p_body2"]) if p)
    else:
        body = "\n\n".join(p.strip() for p in (row["p_body1"], row["p_body2"]) if p)
    return Passage(
        kind=kind,
        pk=row["p_id"],
        label=_label(kind, row["p_title"], row["p_phase_order"]),
        title=row["p_title"],
        body=body,
        phase_id=row["p_phase_id"],
        url=_url(kind, track, row["p_phase_slug"], row["p_url"]),
        meta=meta,
    )


def passages_for_track(track: Track, *, per_source: int = MAX_PER_SOURCE):
    """Every passage of a track (at most `per_source` of each kind). One query."""
    sql, params = _passages_sql(track.pk, connection.vendor)
    passages: list[Passage] = []
    counts: Counter[str] = Counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            if counts[row["p_kind"]] < per_source:
                counts[row["p_kind"]] += 1
                passages.append(_passage(row, track))
    return passages


@lru_cache(maxsize=256)
def _passages_sql(track_id: int, vendor: str) -> tuple[str, tuple]:
    """The UNION of every source for one track, compiled once per process: building and
    compiling nine annotated querysets takes ~40 ms, running the query ~1 ms. The SQL depends
    on the track's id only (and the database), never on the content."""
    track = Track(pk=track_id)
    parts = []
    for source in SOURCES:
        columns = _columns(source)
        parts.append(source.queryset(track).annotate(**columns).values(*columns).order_by())
    union = parts[0].union(*parts[1:], all=True).order_by("p_kind", "p_id")
    sql, params = union.query.sql_with_params()
    return sql, tuple(params)
