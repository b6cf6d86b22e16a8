"""The AI mentor's backends: one interface, a `local` and an `openai` implementation.

A backend only turns requests (built by `ai_mentor.services` from retrieved passages and
the learner's text) into words. It receives no model instances and no database access, so it
has no way to change progress, grades or reviews.

- `local` (default): offline and deterministic. Explanations are extracts of the best
  passages, each cited; the pre-review is a word-overlap heuristic, and says so.
- `openai` (in `ai_mentor.openai_backend`): any server speaking the OpenAI chat-completions
  API (hosted, Ollama, vLLM, llama.cpp), called with the standard library's urllib. Answers
  are not streamed: the page shows a "thinking" indicator and swaps the whole answer in. Any
  timeout, HTTP error or malformed reply raises `BackendUnavailable`; the services then fall
  back to `local`.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings

from ai_mentor.passages import Passage
from ai_mentor.text import as_sentence, content_words, sentences


class BackendUnavailable(Exception):
    """The backend did not answer usably (timeout, HTTP or network error, bad reply)."""


# --- Requests and replies -------------------------------------------------------------------


@dataclass(frozen=True)
class ExplainRequest:
    question: str
    passages: Sequence[Passage]
    phase_label: str
    history: Sequence[tuple[str, str]] = ()  # (role, text), oldest first
    # For each passage, its whole units (sentences) that bear on the question, in text order.
    extracts: Sequence[Sequence[str]] = ()
    # When nothing answers the question: the nearest passages, and the question's names that
    # the track never mentions ("FastAPI").
    nearest: Sequence[Passage] = ()
    unknown_names: Sequence[str] = ()


@dataclass(frozen=True)
class PracticeRequest:
    prompt: str
    answer: str
    correct: bool
    explanation: str
    passages: Sequence[Passage] = ()


@dataclass(frozen=True)
class FeedbackRequest:
    quiz_title: str
    missed_skills: Sequence[str]
    passages: Sequence[Passage] = ()


@dataclass(frozen=True)
class Level:
    pk: int
    score: int
    label: str
    description: str


@dataclass(frozen=True)
class Criterion:
    pk: int
    title: str
    description: str
    levels: Sequence[Level]


@dataclass(frozen=True)
class PreReviewRequest:
    key_action: str
    writeup: str
    note: str
    criteria: Sequence[Criterion]


@dataclass
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass
class Reply:
    text: str
    citations: list[Passage] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True)
class CriterionDraft:
    criterion: int
    level: int | None
    comment: str
    passage: str


@dataclass
class PreReviewReply:
    summary: str
    items: list[CriterionDraft]
    usage: Usage = field(default_factory=Usage)


class Backend:
    name = "base"

    def explain(self, request: ExplainRequest) -> Reply:
        raise NotImplementedError

    def practice(self, request: PracticeRequest) -> Reply:
        raise NotImplementedError

    def feedback(self, request: FeedbackRequest) -> Reply:
        raise NotImplementedError

    def pre_review(self, request: PreReviewRequest) -> PreReviewReply:
        raise NotImplementedError


# --- Local ----------------------------------------------------------------------------------

# Questions that ask the mentor to act on progress get a plain answer: it cannot.
ASKS_FOR_PROGRESS = re.compile(
    r"\b(mark|set|unlock|pass|approve|skip|complete|grade|master(ed)?)\b.*\b(phase|quiz|gate|"
    r"mastered|passed|approved|complete|progress|score|review|submission)\b",
    re.IGNORECASE,
)
CANNOT_ACT = (
    "I cannot change your progress, grades or reviews: phases unlock only on evidence "
    "(graded quizzes, flashcard reviews and work a human mentor approves)."
)
NOTHING_FOUND = (
    "I found nothing about this in the track's content, so I will not guess: the track does "
    "not cover it. Try other words, or ask about a key action, a flashcard or a resource of "
    "this phase."
)
# Kinds whose title is a question or a name the extract needs as its context.
TITLED_KINDS = ("card", "faq", "practice")


def _join_names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _extract(passage: Passage, units: Sequence[str]) -> str:
    """What the answer quotes of a passage: whole units, with the card's front (the FAQ's
    question...) as context unless the label already shows it whole."""
    text = " ".join(units) or as_sentence(passage.title)
    shown = passage.kind in TITLED_KINDS and passage.title not in passage.label
    if shown:
        text = f"{as_sentence(passage.title)} {text}"
    return text


class LocalBackend(Backend):
    """Offline: answers are built from the passages themselves, and always cite them."""

    name = "local"

    def explain(self, request: ExplainRequest) -> Reply:
        lead = [CANNOT_ACT] if ASKS_FOR_PROGRESS.search(request.question) else []
        if not request.passages:
            return self._not_covered(request, lead)
        extracts = list(request.extracts) or [() for _ in request.passages]
        parts = [*lead]
        same_kind = {p.kind for p in request.passages}
        if same_kind == {"certification"}:
            parts.append(
                f"The track lists {len(request.passages)} certification"
                f"{'s' if len(request.passages) > 1 else ''}; it does not rank them, so choose "
                "by the cloud and the work you aim for:"
            )
        elif request.unknown_names:
            parts.append(
                f"The track does not mention {_join_names(list(request.unknown_names))}. "
                "Here is what it says about the rest:"
            )
        else:
            parts.append("Here is what the track says:")
        for passage, units in zip(request.passages, extracts, strict=False):
            parts.append(f"**From {passage.label}**: {_extract(passage, units)}")
        parts.append("Check yourself: can you say it in your own words, without looking?")
        return Reply("\n\n".join(parts), citations=list(request.passages))

    def _not_covered(self, request: ExplainRequest, lead: list[str]) -> Reply:
        """Say plainly that the track does not cover the question, and what it has nearby."""
        if request.unknown_names:
            names = _join_names(list(request.unknown_names))
            first = (
                f"The track does not cover {names}. I found nothing about this in the track's "
                "content, so I will not guess."
            )
        else:
            first = NOTHING_FOUND
        if not request.nearest:
            return Reply("\n\n".join([*lead, first]))
        nearest = "; ".join(p.label for p in request.nearest)
        return Reply(
            "\n\n".join([*lead, first, f"The nearest things it does cover: {nearest}."]),
            citations=list(request.nearest),
        )

    def practice(self, request: PracticeRequest) -> Reply:
        if request.correct:
            text = "Right. Read the explanation anyway: it says why the other answers fail."
        else:
            text = "Not this time. Read the explanation, then try a similar question."
            if request.passages:
                text += f" It helps to review {request.passages[0].label}."
        return Reply(text, citations=list(request.passages[:1]))

    def feedback(self, request: FeedbackRequest) -> Reply:
        if not request.missed_skills:
            return Reply("You missed no skill-tagged question in this attempt. Well done.")
        skills = ", ".join(request.missed_skills)
        return Reply(
            f"Your misses cluster on {skills}. Start with the first one: review its cards, "
            "read the resource, then practise until you get two in a row."
        )

    def pre_review(self, request: PreReviewRequest) -> PreReviewReply:
        """Per criterion, a level only where the write-up has a sentence on it to quote (never
        its title or headings) and a level's description shares words with that sentence;
        otherwise no suggestion. It never falls back on the lowest level: a guess anchors a
        hurried mentor."""
        candidates = writeup_sentences(request.writeup)
        items = []
        for criterion in request.criteria:
            about = content_words(f"{criterion.title} {criterion.description}")
            for level in criterion.levels:
                about |= content_words(level.description)
            evidence = _evidence(candidates, about)
            quote = " ".join(evidence)[:500]
            level, overlap = _closest_level(criterion, content_words(" ".join(evidence)))
            if not evidence:
                comment = (
                    f"No sentence of the write-up is about “{criterion.title}” (none uses the "
                    "words of the criterion or of its levels): no suggestion. Read it yourself."
                )
                level = None
            elif level is None:
                comment = (
                    "The quoted passage bears on this criterion, but no level's description "
                    "matches its words: no suggestion."
                )
            else:
                shared = ", ".join(sorted(overlap)[:5])
                comment = (
                    f"“{level.label}” is the level whose description shares most words with "
                    f"the quoted passage ({shared})."
                )
            items.append(
                CriterionDraft(
                    criterion=criterion.pk,
                    level=level.pk if level else None,
                    comment=comment,
                    passage=quote if evidence else "",
                )
            )
        return PreReviewReply(
            summary=(
                "Drafted by the offline heuristic: it compares the words of the write-up with "
                "the rubric's descriptions and does not understand the work. It suggests a level "
                "only where it can quote the write-up. Check every level."
            ),
            items=items,
        )


HEADING = re.compile(r"^\s*(#{1,6}\s|\*\*[^*]+\*\*\s*$|__[^_]+__\s*$)")
# A quote is a sentence of at least this many words (a title or a label is not evidence).
MIN_QUOTE_WORDS = 5


def writeup_sentences(writeup: str) -> list[str]:
    """The sentences of a write-up that can be quoted as evidence: whole sentences of its
    text, without its title and headings (Markdown `#` lines, lines in bold alone)."""
    body = "\n".join("" if HEADING.match(line) else line for line in writeup.splitlines())
    return [s for s in sentences(body) if len(s.split()) >= MIN_QUOTE_WORDS]


def _evidence(candidates: Sequence[str], about: set[str], *, limit: int = 2) -> list[str]:
    """The (at most two) sentences sharing most words with what a criterion is about, in the
    write-up's order; a sentence counts only with two such words (one if `about` is tiny)."""
    needed = 1 if len(about) <= 2 else 2
    scored = []
    for position, sentence in enumerate(candidates):
        shared = len(about & content_words(sentence))
        if shared >= needed:
            scored.append((shared, position))
    best = sorted(scored, key=lambda s: (-s[0], s[1]))[:limit]
    return [candidates[position] for _, position in sorted(best, key=lambda s: s[1])]


def _closest_level(criterion: Criterion, words: set[str]):
    """The level whose description has the largest share of its words in `words` (the
    quoted evidence); on a tie, the lower level (a draft should not flatter)."""
    best, best_overlap, best_ratio = None, set(), 0.0
    for level in criterion.levels:
        described = content_words(level.description)
        if not described:
            continue
        overlap = described & words
        ratio = len(overlap) / len(described)
        if ratio > best_ratio or (ratio == best_ratio and best and level.score < best.score):
            best, best_overlap, best_ratio = level, overlap, ratio
    return (best, best_overlap) if best_ratio > 0 else (None, set())


def configured_backend() -> Backend:
    """The backend chosen by EDIRAE_AI_BACKEND."""
    if settings.EDIRAE_AI_BACKEND == "openai":
        from ai_mentor.openai_backend import OpenAIBackend  # it builds on this module

        return OpenAIBackend()
    return LocalBackend()
