"""Retrieval over a track's own content: the passages the AI mentor answers from and cites.

Passages (`ai_mentor.passages`) are the track's own content and never its assessment
questions or quiz settings: the mentor must not be able to hand out what a gate measures.

Each passage is cut into **units**: paragraphs (separated by a blank line), then sentences.
A single line break is a soft wrap (track files fold long lines), so it never ends a unit;
text written as one-line paragraphs splits the same way. A unit is ranked with its passage's
title and its phase as context: "TP / (TP + FP): ..." is about precision because its card says
so. Answers are composed of whole units, so no excerpt ends mid-sentence.

The ranking is a BM25-like sum over the question's words, done in Python for PostgreSQL and
SQLite alike: for each word, its rarity among the track's passages, counted in full when the
unit or the passage's title holds it, and a little when only another unit of the passage
does. One UNION query reads the track's passages (about 230 rows for the largest seed track;
its SQL is compiled once per track and process); the units and their word sets are built once
per process and change of the track's content (`tracks.content_memo`: every edit by the
admin or an import moves the track's content stamp, which each search reads afresh), so an
edit is seen at once.

A question can name something the track never mentions ("How do I deploy a model with
FastAPI?"). When a name-like word of the question (capitalised mid-sentence, or with capitals
inside: FastAPI, GraphQL) is in no passage, or no passage shares a topical word with the
question, the result is *not covered*: the mentor says so plainly and offers the nearest things
the track does cover instead of stitching an answer about something else.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from ai_mentor.passages import CARRIES_OVER, TO_LEARN, Passage, passages_for_track
from ai_mentor.text import as_sentence, names_in, sentences, stems_of, terms_of, word_stem
from tracks import content_memo
from tracks.models import Phase, Track

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
    return tuple(Unit(text, frozenset(stems_of(text))) for text in texts)


def _document(passage: Passage) -> Document:
    title_words = frozenset(stems_of(passage.title) + stems_of(KIND_WORDS.get(passage.kind, "")))
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
    kinds = {kind for kind, words in KIND_WORDS.items() if stems & set(stems_of(words))}
    if ABOUT_ME.search(query):
        kinds.add("background")
    return kinds


def index_for_track(track: Track) -> Index:
    """The track's passages cut into units, with word sets and document frequencies.

    Built once per process and change of the track's content (`tracks.content_memo`, keyed
    on the content stamp every edit moves). The stamp is read here (one small query), so a
    track object read before an edit never serves the older index."""
    current = Track.objects.only("pk", "updated_at").get(pk=track.pk)
    return content_memo.memoized(current, "ai-mentor-index", lambda: _build_index(track))


def _build_index(track: Track) -> Index:
    documents = tuple(_document(p) for p in passages_for_track(track))  # one query
    frequency: Counter[str] = Counter()
    for document in documents:
        frequency.update(document.words)
    return Index(documents, frequency, frozenset(frequency))


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
    query_stems = list(dict.fromkeys(word_stem(t) for t in terms))
    expanded = {stem: _expand(stem, index.vocabulary) for stem in query_stems}
    known = [stem for stem in query_stems if expanded[stem]]
    names = names_in(query)
    result.unknown_names = [name for name in names if not set(stems_of(name)) & index.vocabulary]
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
    query = {word_stem(t) for t in terms}
    documents = []
    frequency: Counter[str] = Counter()
    for passage in passages:
        title, body = set(stems_of(passage.title)), set(stems_of(passage.body))
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
