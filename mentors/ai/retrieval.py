"""Retrieval over a track's own content: the passages the AI mentor answers from and cites.

Passages come from the track's phases, key actions, resources, FAQs, skills, flashcards and the
explanations of its *practice* questions. Assessment questions (their prompts, choices,
answers and explanations) and quiz settings (pass marks, limits) are never passages: the
mentor must not be able to hand out what a gate measures.

Passages are built on the fly, not materialised in a table. The content lives in seven tables
written by the admin, by track-file imports (bulk writes and queryset updates that send no
signals) and by hand; a materialised copy would go stale unless every writer remembered to
rebuild it. A track is small (the seed's largest has 178 passages), so PostgreSQL builds the
text-search vectors at query time, in one query (a UNION of the sources ranked with
`ts_rank`) that takes about 40 ms on the seed. On SQLite (the embedded mode) the candidates
of the track, bounded per source, are scored in Python by weighted token overlap.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import CharField, F, IntegerField, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.urls import reverse

from quizzes.models import Card, Question
from tracks.models import FAQ, KeyAction, Phase, Resource, Skill, Track

# Per source, the most candidates the SQLite fallback scores (the seed has at most 91).
FALLBACK_CANDIDATES_PER_SOURCE = 400
# A passage ranks as relevant only above this score (PostgreSQL ts_rank, normalised; and the
# fallback's own scale). Measured on the labelled set and off-topic questions in
# tests/mentors/ai/test_retrieval.py.
MIN_RANK_POSTGRES = 0.05
MIN_SCORE_FALLBACK = 1.0
# Passages of the phase the learner is on rank this much higher.
PHASE_BOOST = 1.3

# English stop words, and words that say nothing about the topic of a question.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours out
    over own same she should so some such than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
GENERIC_WORDS = STOP_WORDS | frozenset(
    """
    explain explained explaining mean means meaning tell please help understand
    example examples thing things know get got make need needs learn learning use used using
    good better best way ways really actually also want like much many one ones give show
    phase phases track mentor question questions answer answers
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

TOKEN = re.compile(r"[a-z0-9]+(?:[+#][a-z0-9+#]*)?")


@dataclass(frozen=True)
class Passage:
    """A piece of track content the mentor may quote, with how to cite it."""

    kind: str  # phase | key_action | resource | faq | skill | card | practice
    pk: int
    label: str  # "Phase 2 · Package a trained model with Docker..."
    title: str
    body: str
    phase_id: int | None = None
    url: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}"

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}".strip()


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    hits: list[Hit] = field(default_factory=list)

    @property
    def passages(self) -> list[Passage]:
        return [hit.passage for hit in self.hits]

    @property
    def found(self) -> bool:
        return bool(self.hits)


def terms_of(text: str) -> list[str]:
    """The topical words of a question, lower-cased, in order, without duplicates."""
    seen: dict[str, None] = {}
    for token in TOKEN.findall(text.lower()):
        if token not in GENERIC_WORDS and (len(token) > 1 or token.isdigit()):
            seen.setdefault(token, None)
    return list(seen)[:30]


# --- Sources --------------------------------------------------------------------------------


def _truncate(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _phase_prefix(order: int | None) -> str:
    return f"Phase {order} · " if order is not None else ""


def _label(kind: str, title: str, phase_order: int | None) -> str:
    prefix = _phase_prefix(phase_order)
    if kind in ("phase", "key_action"):
        return f"{prefix}{_truncate(title, 90)}"
    if kind == "resource":
        return f"{prefix}Resource: {_truncate(title, 80)}"
    if kind == "faq":
        return f"FAQ · {_truncate(title, 90)}"
    if kind == "skill":
        return f"Skill · {title}"
    if kind == "card":
        return f"{prefix}Flashcard: {_truncate(title, 70)}"
    return f"{prefix}Practice: {_truncate(title, 70)}"


def _url(kind: str, track: Track, phase_slug: str | None, resource_url: str = "") -> str:
    if kind == "resource" and resource_url:
        return resource_url
    if phase_slug and kind != "faq":
        return reverse("quizzes:phase", args=[track.slug, phase_slug])
    return track.get_absolute_url()


@dataclass(frozen=True)
class _Source:
    kind: str
    title: str  # field holding the title (weight A)
    body: tuple[str, ...]  # fields of the body (weight B)
    phase_path: str | None  # path to the phase from the model, "" for the phase itself

    def queryset(self, track: Track) -> QuerySet:
        if self.kind == "phase":
            return Phase.objects.filter(track=track)
        if self.kind == "key_action":
            return KeyAction.objects.filter(phase__track=track)
        if self.kind == "resource":
            return Resource.objects.filter(track=track)
        if self.kind == "faq":
            return FAQ.objects.filter(track=track)
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
    _Source("phase", "title", ("summary", "description"), ""),
    _Source("key_action", "text", (), "phase"),
    _Source("resource", "title", ("provider", "why"), "phase"),
    _Source("faq", "question", ("answer",), None),
    _Source("skill", "name", ("description",), None),
    _Source("card", "front", ("back",), "deck__phase"),
    _Source("practice", "prompt", ("explanation",), "quiz__phase"),
)


def _columns(source: _Source) -> dict:
    """The same columns, in the same order, for every source (so they UNION)."""
    text = TextField()
    if source.phase_path is None:
        phase_id, phase_order, phase_slug = (
            Value(None, output_field=IntegerField()),
            Value(None, output_field=IntegerField()),
            Value(None, output_field=CharField()),
        )
    else:
        phase_id = F(source.field("id")) if source.phase_path else F("id")
        phase_order = F(source.field("order")) if source.phase_path else F("order")
        phase_slug = F(source.field("slug")) if source.phase_path else F("slug")
    body = [Cast(F(name), text) for name in source.body]
    return {
        "p_kind": Value(source.kind, output_field=CharField()),
        "p_id": F("id"),
        "p_phase_id": Cast(phase_id, IntegerField()),
        "p_phase_order": Cast(phase_order, IntegerField()),
        "p_phase_slug": Cast(phase_slug, CharField()),
        "p_title": Cast(F(source.title), text),
        "p_body1": body[0] if body else Value("", output_field=text),
        "p_body2": body[1] if len(body) > 1 else Value("", output_field=text),
        "p_url": Cast(F("url"), text)
        if source.kind == "resource"
        else Value("", output_field=text),
    }


def _passage(row: dict, track: Track) -> Passage:
    body = "\n".join(part for part in (row["p_body1"], row["p_body2"]) if part)
    return Passage(
        kind=row["p_kind"],
        pk=row["p_id"],
        label=_label(row["p_kind"], row["p_title"], row["p_phase_order"]),
        title=row["p_title"],
        body=body,
        phase_id=row["p_phase_id"],
        url=_url(row["p_kind"], track, row["p_phase_slug"], row["p_url"]),
    )


def passages_for_track(track: Track, *, per_source: int = FALLBACK_CANDIDATES_PER_SOURCE):
    """Every passage of a track (at most `per_source` of each kind). One query per source."""
    passages: list[Passage] = []
    for source in SOURCES:
        columns = _columns(source)
        rows = source.queryset(track).annotate(**columns).values(*columns).order_by("id")
        passages.extend(_passage(row, track) for row in rows[:per_source])
    return passages


# --- Search ---------------------------------------------------------------------------------


def search(*, track: Track, query: str, phase: Phase | None = None, k: int = 3) -> SearchResult:
    """The `k` passages of `track` most relevant to `query`, best first (maybe none).

    Passages of `phase` are boosted. On PostgreSQL one query; on SQLite one per source.
    """
    terms = terms_of(query)
    result = SearchResult(query=query, terms=terms)
    if not terms:
        return result
    if connection.vendor == "postgresql":
        hits = _search_postgres(track=track, terms=terms, limit=max(3 * k, 10))
        threshold = MIN_RANK_POSTGRES
    else:
        hits = rank_passages(passages_for_track(track), terms)
        threshold = MIN_SCORE_FALLBACK
    boosted = [
        Hit(h.passage, h.score * (PHASE_BOOST if phase and h.passage.phase_id == phase.pk else 1))
        for h in hits
        if h.score >= threshold
    ]
    boosted.sort(key=lambda h: (-h.score, h.passage.key))
    result.hits = boosted[:k]
    return result


def _search_postgres(*, track: Track, terms: list[str], limit: int) -> list[Hit]:
    # An OR of the question's words: a passage matching more (and in its title) ranks higher.
    # The terms are [a-z0-9+#] only, so the raw tsquery cannot be malformed by learner text.
    safe = [re.sub(r"[^a-z0-9]", "", t) for t in terms]
    query = SearchQuery(" | ".join(t for t in safe if t), search_type="raw", config="english")
    parts = []
    for source in SOURCES:
        vector = SearchVector(source.title, weight="A", config="english")
        for name in source.body:
            vector = vector + SearchVector(name, weight="B", config="english")
        columns = _columns(source)
        parts.append(
            source.queryset(track)
            .annotate(p_vector=vector)
            .filter(p_vector=query)
            .annotate(**columns, p_rank=SearchRank(vector, query, normalization=1))
            .values(*columns, "p_rank")
            .order_by()
        )
    union = parts[0].union(*parts[1:], all=True).order_by("-p_rank", "p_kind", "p_id")[:limit]
    # ts_rank averages over the OR's operands; times their number it no longer punishes a
    # question for having more words than the passage it is about.
    return [Hit(_passage(row, track), float(row["p_rank"]) * len(safe)) for row in union]


def _stem(word: str) -> str:
    """A crude English stemmer, enough to match 'deploying' with 'deployed' and 'models'."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            return word + "y" if suffix == "ies" else word
    return word


def _stems(text: str) -> list[str]:
    return [_stem(t) for t in TOKEN.findall(text.lower()) if t not in GENERIC_WORDS]


def content_words(text: str) -> set[str]:
    """The stems of the words of `text` that carry meaning (English stop words dropped;
    unlike `terms_of`, words such as "explain" or "use" are kept)."""
    return {_stem(t) for t in TOKEN.findall(text.lower()) if t not in STOP_WORDS}


def rank_passages(passages: Iterable[Passage], terms: list[str]) -> list[Hit]:
    """The fallback ranking: for each query word found, its rarity among the candidates
    (inverse document frequency), doubled when it is in the title, divided by the log of the
    passage's length so long passages do not win by size alone. Pure Python."""
    passages = list(passages)
    if not passages:
        return []
    query = {_stem(t) for t in terms}
    documents = []
    frequency: Counter[str] = Counter()
    for passage in passages:
        title, body = set(_stems(passage.title)), set(_stems(passage.body))
        documents.append((passage, title, body))
        frequency.update((title | body) & query)
    total = len(passages)
    hits = []
    for passage, title, body in documents:
        score = 0.0
        for term in query:
            if term in title or term in body:
                idf = math.log(1 + total / (1 + frequency[term]))
                score += idf * (2.0 if term in title else 1.0)
        if score:
            length = len(title) + len(body)
            hits.append(Hit(passage, score / (1 + math.log(1 + length / 20))))
    hits.sort(key=lambda h: (-h.score, h.passage.key))
    return hits
