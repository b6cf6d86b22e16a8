"""Retrieval over a track's own content: the passages the AI mentor answers from and cites.

Passages come from the track itself (its description), its phases, key actions, resources
(certifications among them), FAQs, backgrounds, skills, flashcards and the explanations of its
*practice* questions. Assessment questions (their prompts, choices, answers and explanations)
and quiz settings (pass marks, limits) are never passages: the mentor must not be able to hand
out what a gate measures.

Each passage is cut into **units**: paragraphs (separated by a blank line), then sentences.
A single line break is a soft wrap (track files fold long lines), so it never ends a unit;
text written as one-line paragraphs splits the same way. A unit is ranked with its passage's
title and its phase as context: "TP / (TP + FP): ..." is about precision because its card says
so. Answers are composed of whole units, so no excerpt ends mid-sentence.

The ranking is a BM25-like sum over the question's words, done in Python for PostgreSQL and
SQLite alike: for each word, its rarity among the track's passages, counted in full when the
unit or the passage's title holds it, and a little when only another unit of the passage
does. One UNION query reads the track's passages (185 rows for the largest seed track; its SQL
is compiled once per track and process, and reading takes about 15 ms); the units and their
word sets are cached per process under a digest of those rows, so an edit (by the admin, an
import, by hand) changes the digest and is seen at once. A search takes about 25 ms.

A question can name something the track never mentions ("How do I deploy a model with
FastAPI?"). When a name-like word of the question (capitalised mid-sentence, or with capitals
inside: FastAPI, GraphQL) is in no passage, or no passage shares a topical word with the
question, the result is *not covered*: the mentor says so plainly and offers the nearest things
the track does cover instead of stitching an answer about something else.
"""

import hashlib
import json
import math
import re
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from threading import Lock

from django.db import connection
from django.db.models import CharField, F, IntegerField, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.urls import reverse

from quizzes.models import Card, Question
from tracks.models import FAQ, Background, KeyAction, Phase, Resource, Skill, Track

# Per kind, the most passages kept (the seed's largest kind has 91).
MAX_PER_SOURCE = 400
# A passage is relevant when its best unit covers at least this share of the question's
# weight (the sum of its known words' rarity): it keeps answers from resting on one common
# word. On benchmarks/ai_mentor_eval.yaml, 0.2 to 0.34 change nothing; 0.5 loses two answers.
MIN_COVERAGE = 0.34
# An answer quotes the hits scoring at least this share of the best one. Measured on the
# evaluation set: 0.4 finds 94 % of key points in longer answers padded with loosely related
# passages, 0.6 91 %, 0.8 88 %.
ANSWER_SHARE = 0.6
# Passages of the phase the learner is on rank this much higher.
PHASE_BOOST = 1.3
# A unit's word counts in full, its passage's title a little more (a card's front is what its
# back is about); elsewhere in the passage a little (it says the unit is about the same thing).
IN_UNIT, IN_TITLE, IN_PASSAGE = 1.0, 1.1, 0.3

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
    phase phases track mentor question questions answer answers first take taking start
    important work works someone anything something every ever new people still become
    becoming
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

TOKEN = re.compile(r"[a-z0-9]+(?:[+#][a-z0-9+#]*)?")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#]*")


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


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    units: tuple[str, ...] = ()  # the passage's best units for the question, in text order


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    hits: list[Hit] = field(default_factory=list)
    # Not covered: the nearest passages (maybe none) and the question's names the track
    # never mentions ("FastAPI").
    nearest: list[Hit] = field(default_factory=list)
    unknown_names: list[str] = field(default_factory=list)
    listed_kinds: frozenset[str] = frozenset()

    @property
    def passages(self) -> list[Passage]:
        return [hit.passage for hit in self.hits]

    @property
    def found(self) -> bool:
        return bool(self.hits)

    @property
    def answer_hits(self) -> list[Hit]:
        """The hits an answer is composed of: those close to the best one (a passage that
        shares only the question's common words is not worth quoting), and every hit of a
        kind listed on purpose (all the certifications)."""
        if not self.hits:
            return []
        best = self.hits[0].score
        return [
            hit
            for hit in self.hits
            if hit.score >= ANSWER_SHARE * best or hit.passage.kind in self.listed_kinds
        ]


def terms_of(text: str) -> list[str]:
    """The topical words of a question, lower-cased, in order, without duplicates."""
    seen: dict[str, None] = {}
    for token in _tokens(text):
        if token not in GENERIC_WORDS and (len(token) > 1 or token.isdigit()):
            seen.setdefault(token, None)
    return list(seen)[:30]


def names_in(text: str) -> list[str]:
    """Words of `text` written as names: capitalised inside a sentence, or with capitals
    inside the word ("FastAPI", "GraphQL", "How do I use Terraform?" → Terraform)."""
    names: dict[str, None] = {}
    for sentence in re.split(r"(?<=[.!?:])\s+", text.strip()):
        for index, match in enumerate(WORD.finditer(sentence)):
            word = match.group()
            inner_capital = any(c.isupper() for c in word[1:]) and not word.isupper()
            capitalised = index > 0 and word[0].isupper() and word.lower() not in GENERIC_WORDS
            if (capitalised or inner_capital) and len(word) > 2 and word.upper() != word:
                names.setdefault(word, None)
    return list(names)


# --- Units ------------------------------------------------------------------------------------

# Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "cf.", "Dr.", "Mr.", "Ms.")
# A sentence ends with a stop, maybe closing quotes or brackets, before a space and a new
# sentence's first letter (or figure, or opening quote).
STOP = re.compile(r"[.!?][\"\u201d\u2019')\]]*$")
STARTS = re.compile(r"[\"\u201c\u2018(\[]?[A-Z0-9$]")
SPACE = re.compile(r"\s+")
BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")


def paragraphs(text: str) -> list[str]:
    """Paragraphs of `text`: separated by a blank line; single line breaks are soft wraps,
    except in lists (one item per line)."""
    result = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and all(BULLET.match(line) for line in lines):
            result.extend(BULLET.sub("", line).strip() for line in lines)
        elif lines:
            result.append(" ".join(" ".join(lines).split()))
    return result


def sentences(text: str) -> list[str]:
    """The sentences of `text`, whole, in order (see `paragraphs` for line breaks)."""
    result: list[str] = []
    for paragraph in paragraphs(text):
        start = 0
        for space in SPACE.finditer(paragraph):
            before = paragraph[start : space.start()]
            if (
                STOP.search(before)
                and not before.endswith(ABBREVIATIONS)
                and STARTS.match(paragraph, space.end())
            ):
                result.append(before)
                start = space.end()
        if paragraph[start:].strip():
            result.append(paragraph[start:].strip())
    return result


def as_sentence(text: str) -> str:
    """`text` ending as a sentence does (a key action is written without a full stop)."""
    text = " ".join(text.split())
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]


# --- Sources ------------------------------------------------------------------------------------


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


# --- Words --------------------------------------------------------------------------------------

SUFFIXES = (
    "izations", "isations", "ization", "isation", "ational", "ations", "ation", "nesses",
    "ness", "ments", "ment", "ities", "ity", "ings", "ing", "ised", "ized", "ises", "izes",
    "ise", "ize", "ies", "ied", "edly", "ed", "ers", "er", "ly", "es", "s",
)  # fmt: skip


def _stem(word: str) -> str:
    """A light English stemmer: enough to match "deploying" with "deployed", "containerise"
    with "containers", "leakage" with "leak", "engineering" with "engineers" (two passes)."""
    return _strip(_strip(word))


def _strip(word: str) -> str:
    if word.endswith("age") and len(word) > 6:
        return word[:-3]
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if suffix in ("ies", "ied", "ities"):
                stem += "y"
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]  # "running" → "run"
            return stem.rstrip("e") if len(stem) > 4 else stem
    return word.rstrip("e") if len(word) > 4 else word


COMPOUND = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")


def _tokens(text: str) -> list[str]:
    """The words of `text`, lower-cased, and its hyphenated compounds joined ("p-value" gives
    "p", "value" and "pvalue"; "k-fold" gives "kfold")."""
    lowered = text.lower()
    return TOKEN.findall(lowered) + [c.replace("-", "") for c in COMPOUND.findall(lowered)]


def _stems(text: str) -> list[str]:
    return [_stem(t) for t in _tokens(text) if t not in GENERIC_WORDS]


def content_words(text: str) -> set[str]:
    """The stems of the words of `text` that carry meaning (English stop words dropped;
    unlike `terms_of`, words such as "explain" or "use" are kept)."""
    return {_stem(t) for t in TOKEN.findall(text.lower()) if t not in STOP_WORDS}


# --- The index of a track -----------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    text: str
    words: frozenset[str]


@dataclass(frozen=True)
class Document:
    passage: Passage
    title_words: frozenset[str]
    words: frozenset[str]  # of the whole passage, title included
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Index:
    documents: tuple[Document, ...]
    frequency: Counter  # stem → number of documents holding it
    vocabulary: frozenset[str]


def _units(passage: Passage) -> tuple[Unit, ...]:
    if passage.kind == "key_action":
        texts = [as_sentence(passage.title)]
    elif passage.kind in ("resource", "certification"):
        # One unit: a resource is its name, who offers it, its cost and why it matters.
        meta = f" ({passage.meta})" if passage.meta else ""
        why = " ".join(sentences(passage.body))
        texts = [f"{passage.title}{meta}: {why}" if why else as_sentence(passage.title + meta)]
    else:
        texts = sentences(passage.body) or [as_sentence(passage.title)]
    return tuple(Unit(text, frozenset(_stems(text))) for text in texts)


def _document(passage: Passage) -> Document:
    title_words = frozenset(_stems(passage.title) + _stems(KIND_WORDS.get(passage.kind, "")))
    units = _units(passage)
    words = title_words.union(*(u.words for u in units))
    return Document(passage, title_words, words, units)


# Words a learner uses for a kind of content ("which certification...", "what courses...").
KIND_WORDS = {
    "certification": "certification certificate credential exam",
    "resource": "resource course courses book bootcamp",
    "faq": "",
    "background": "background coming from moving switching",
    "card": "",
}

# A question about a kind of content ranks that kind higher; one about a listable kind
# ("which certifications...") lists up to LIST_LIMIT of them.
KIND_BOOST = 1.5
BACKGROUND_BOOST = 2.0
LISTABLE_KINDS = frozenset({"certification", "resource"})
LIST_LIMIT = 6
# A learner speaking of themselves ("I'm a data scientist...") asks from their background.
ABOUT_ME = re.compile(r"\b(i'?m|i am|i work as|i've been|coming from|my background)\b", re.I)


def kinds_asked(query: str, query_stems: Iterable[str]) -> set[str]:
    """The kinds of content a question asks about by name, or by speaking of the learner."""
    stems = set(query_stems)
    kinds = {kind for kind, words in KIND_WORDS.items() if stems & set(_stems(words))}
    if ABOUT_ME.search(query):
        kinds.add("background")
    return kinds


_CACHE: OrderedDict[tuple[int, str], Index] = OrderedDict()
_CACHE_SIZE = 16
_CACHE_LOCK = Lock()


def index_for_track(track: Track) -> Index:
    """The track's passages cut into units, with word sets and document frequencies.

    Reads the passages (one query) and reuses the cut for the same content (a digest of every
    passage), so edits are seen at once and nothing needs invalidating."""
    passages = passages_for_track(track)
    digest = hashlib.blake2b(
        "\x1e".join(
            f"{p.key}\x1f{p.label}\x1f{p.text}\x1f{p.meta}\x1f{p.url}" for p in passages
        ).encode(),
        digest_size=16,
    ).hexdigest()
    key = (track.pk, digest)
    with _CACHE_LOCK:
        index = _CACHE.get(key)
        if index is not None:
            _CACHE.move_to_end(key)
            return index
    documents = tuple(_document(p) for p in passages)
    frequency: Counter[str] = Counter()
    for document in documents:
        frequency.update(document.words)
    index = Index(documents, frequency, frozenset(frequency))
    with _CACHE_LOCK:
        _CACHE[key] = index
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return index


# What may follow a stem in a longer word of the same family ("leak" → "leakag").
FAMILY_ENDINGS = frozenset(
    "ag al at ate e ed er es ic ing ion ist ism ity ive ly ment ness or s y".split()  # noqa: SIM905
)


# Pure, and a frozenset keeps its hash: a question's stems cost a lookup after the first time.
@lru_cache(maxsize=4096)
def _expand(stem: str, vocabulary: frozenset[str]) -> frozenset[str]:
    """The stems of the track that match a question's stem: itself, and the words of its
    family the stemmer left apart ("leak" and "leakag", "optimis" and "optimiz")."""
    if len(stem) < 4:
        return frozenset({stem}) & vocabulary
    matched = {stem} & vocabulary
    for word in vocabulary:
        short, long = (stem, word) if len(stem) < len(word) else (word, stem)
        if len(short) >= 4 and long.startswith(short) and long[len(short) :] in FAMILY_ENDINGS:
            matched.add(word)
    if stem.endswith("is") or stem.endswith("iz"):  # British and American spelling
        other = stem[:-1] + ("z" if stem.endswith("s") else "s")
        matched |= {other} & vocabulary
    return frozenset(matched)


# --- Search ---------------------------------------------------------------------------------


def search(*, track: Track, query: str, phase: Phase | None = None, k: int = 3) -> SearchResult:
    """The `k` passages of `track` most relevant to `query`, best first, each with its best
    units (maybe none: then `nearest` and `unknown_names` say why). Passages of `phase` are
    boosted. One query (the passages) on any database."""
    terms = terms_of(query)
    result = SearchResult(query=query, terms=terms)
    if not terms:
        return result
    index = index_for_track(track)
    total = max(1, len(index.documents))
    query_stems = list(dict.fromkeys(_stem(t) for t in terms))
    expanded = {stem: _expand(stem, index.vocabulary) for stem in query_stems}
    known = [stem for stem in query_stems if expanded[stem]]
    names = names_in(query)
    result.unknown_names = [name for name in names if not set(_stems(name)) & index.vocabulary]
    if not known:
        return result
    idf = {
        stem: math.log(1 + total / (1 + max(index.frequency[w] for w in expanded[stem])))
        for stem in known
    }
    weight = sum(idf.values())
    wanted_kinds = kinds_asked(query, query_stems)
    ranked = []
    for document in index.documents:
        present = {s: expanded[s] & document.words for s in known}
        if not any(present.values()):
            continue
        in_title = {s for s in known if present[s] & document.title_words}
        best, best_cover, scored = 0.0, 0.0, []
        for position, unit in enumerate(document.units):
            score = cover = 0.0
            for stem in known:
                if not present[stem]:
                    continue
                if present[stem] & unit.words:
                    share = IN_UNIT
                elif stem in in_title:
                    share = IN_TITLE
                else:
                    share = IN_PASSAGE
                score += idf[stem] * share
                cover += idf[stem] * (share if share > IN_PASSAGE else 0)
            # Long units do not win by size alone.
            score /= 1 + 0.12 * math.log(1 + len(unit.words) / 8)
            scored.append((score, position))
            if score > best:
                best, best_cover = score, cover
        if phase is not None and document.passage.phase_id == phase.pk:
            best *= PHASE_BOOST
        if document.passage.kind in wanted_kinds:
            best *= BACKGROUND_BOOST if document.passage.kind == "background" else KIND_BOOST
        ranked.append((best, best_cover / weight, document, scored))
    ranked.sort(key=lambda r: (-r[0], r[2].passage.key))
    hits, nearest = [], []
    # A question about a kind of content ("which certification...") gets all of that kind.
    listed = max(k, LIST_LIMIT) if wanted_kinds & LISTABLE_KINDS else k
    result.listed_kinds = frozenset(wanted_kinds & LISTABLE_KINDS)
    for score, cover, document, scored in ranked:
        units = _best_units(document, scored)
        hit = Hit(document.passage, score, units)
        room = len(hits) < k or (
            len(hits) < listed and document.passage.kind in wanted_kinds & LISTABLE_KINDS
        )
        if cover >= MIN_COVERAGE and room:
            hits.append(hit)
        elif len(nearest) < 3 and cover > 0:
            nearest.append(hit)
        if len(hits) >= listed and len(nearest) >= 3:
            break
    if result.unknown_names and len(result.unknown_names) == len(names):
        # The question is about something the track never mentions: what matched is only
        # near it (its other words), not an answer. ("Python or Java?" is answered about
        # Python, saying the track does not mention Java.)
        result.nearest = (hits + nearest)[:3]
        return result
    result.hits = hits
    result.nearest = [] if hits else nearest
    return result


def _best_units(document: Document, scored: list[tuple[float, int]]) -> tuple[str, ...]:
    """The units an answer quotes from a passage, in text order: the best one, and a second
    nearly as good; a FAQ's first sentence too (its direct answer: "No."), a card's whole back
    when it is short."""
    units = document.units
    kind = document.passage.kind
    if not units:
        return ()
    if kind in ("card", "key_action", "resource", "certification", "skill") and len(units) <= 3:
        return tuple(u.text for u in units)
    order = sorted(scored, key=lambda s: (-s[0], s[1]))
    keep = {order[0][1]}
    # A FAQ's answer is short and made to be read whole: its first sentence (the direct
    # answer, "No.") and its two best.
    seconds = 2 if kind == "faq" else 1
    for score, position in order[1 : 1 + seconds]:
        if score > 0 and score >= 0.6 * order[0][0]:
            keep.add(position)
    if kind == "faq":
        keep.add(0)
    if kind in ("phase", "track") and order[0][1] + 1 < len(units):
        keep.add(order[0][1] + 1)  # a description's next sentence carries on its thought
    if kind == "background":
        # Where the learner comes from: what carries over and what to learn, both whole.
        keep |= {i for i, u in enumerate(units) if u.text.startswith((CARRIES_OVER, TO_LEARN))}
    return tuple(units[i].text for i in sorted(keep))


def rank_passages(passages: Iterable[Passage], terms: list[str]) -> list[Hit]:
    """A ranking of a few passages of the caller's own (e.g. resources for a skill): for each
    query word found, its rarity among them, doubled in the title, divided by the log of the
    passage's length. Pure Python."""
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
