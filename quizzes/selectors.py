"""Reads of the Learning Center, with a fixed number of queries whatever the data's size.

The quiz_score gate (quizzes.gates) and the pages read the same evidence through "Evidence
for gates" below (`counted_attempts`, `best_score`), so a page never shows a figure the gate
would contradict; `deck_retention` is the deck page's recall share.

Who may open what: for now any signed-in learner may use the Learning Center of any phase of
a *published* track (staff also see drafts). Attempts, card states, reviews, mastery and
completions are strictly per learner: `get_attempt_for` 404s for anyone else's attempt.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from quizzes.availability import (  # noqa: F401 (re-exported: selectors.quiz_availability, ...)
    Availability,
    attempts_needed,
    kept_latest_attempts,
    latest_attempts,
    quiz_availability,
    recently_shown,
    wait_label,
)
from quizzes.models import (
    Attempt,
    Card,
    CardState,
    Deck,
    DeckStudy,
    MasteryEvent,
    Question,
    Quiz,
    ResourceCompletion,
    Response,
    ReviewLog,
    SkillMastery,
)
from quizzes.review_queue import (  # noqa: F401 (re-exported: selectors.review_queue, ...)
    ReviewAllowance,
    ReviewQueue,
    day_start,
    due_count,
    review_allowance,
    review_queue,
)
from quizzes.review_session import (  # noqa: F401 (re-exported: selectors.review_session, ...)
    ReviewSession,
    due_in_words,
    review_session,
    session_start,
)
from tracks import content_memo, gates, progression
from tracks.models import Enrollment, Phase, Resource, Track
from tracks.selectors import track_resources

# --- Lookups that 404 for anyone else -------------------------------------------------------


def _tracks_for(viewer: User) -> QuerySet[Track]:
    return Track.objects.all() if viewer.is_staff else Track.objects.published()


def phase_for_learning(*, viewer: User, track_slug: str, phase_slug: str) -> Phase:
    """A phase whose Learning Center the viewer may open: any phase of a published track
    (staff: any track). 404 otherwise."""
    return get_object_or_404(
        Phase.objects.select_related("track").filter(track__in=_tracks_for(viewer)),
        track__slug=track_slug,
        slug=phase_slug,
    )


def quiz_for_learner(*, viewer: User, pk: int) -> Quiz:
    """An active quiz of a phase the viewer may open, or 404."""
    return get_object_or_404(
        Quiz.objects.select_related("phase__track").filter(
            is_active=True, phase__track__in=_tracks_for(viewer)
        ),
        pk=pk,
    )


def deck_for_learner(*, viewer: User, pk: int) -> Deck:
    """An active deck of a phase the viewer may open, or 404."""
    return get_object_or_404(
        Deck.objects.select_related("phase__track").filter(
            is_active=True, phase__track__in=_tracks_for(viewer)
        ),
        pk=pk,
    )


def card_for_review(*, viewer: User, pk: int) -> Card:
    """An active card of a deck the viewer studies, or 404."""
    return get_object_or_404(
        Card.objects.filter(
            is_active=True,
            deck__is_active=True,
            deck__studies__learner=viewer,
            deck__phase__track__in=_tracks_for(viewer),
        ),
        pk=pk,
    )


def resource_for_learner(*, viewer: User, pk: int) -> Resource:
    """A resource of a track the viewer may open, or 404."""
    return get_object_or_404(Resource.objects.filter(track__in=_tracks_for(viewer)), pk=pk)


def get_attempt_for(*, learner: User, pk: int) -> Attempt:
    """The learner's own attempt, or 404 (another learner's attempt does not exist for them)."""
    return get_object_or_404(
        Attempt.objects.select_related("quiz__phase__track"), pk=pk, learner=learner
    )


# --- Pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyContent:
    """A phase's active quiz and deck with their sizes: track content, the same for every
    learner (`study_content`). Shared between requests: never changed."""

    quiz: Quiz | None = None
    assessment_questions: int = 0
    deck: Deck | None = None
    cards: int = 0


def study_content(phase: Phase) -> StudyContent:
    """The phase's active quiz and deck with their sizes (`phase.track` read with it): two
    queries per process and change of the track's content (`content_memo`), none otherwise."""
    track = phase.track

    def read() -> dict[int, StudyContent]:
        quizzes = Quiz.objects.filter(phase__track=track, is_active=True).annotate(
            assessment_count=Count(
                "questions",
                filter=Q(questions__is_active=True, questions__pool=Question.Pool.ASSESSMENT),
            )
        )
        decks = Deck.objects.filter(phase__track=track, is_active=True).annotate(
            card_count=Count("cards", filter=Q(cards__is_active=True))
        )
        found = {
            quiz.phase_id: {"quiz": quiz, "assessment_questions": quiz.assessment_count}
            for quiz in quizzes
        }
        for deck in decks:
            found.setdefault(deck.phase_id, {}).update(deck=deck, cards=deck.card_count)
        return {phase_id: StudyContent(**parts) for phase_id, parts in found.items()}

    return content_memo.memoized(track, "study-content", read).get(phase.pk, StudyContent())


# The attempts the phase's Learning Center lists, newest first.
ATTEMPTS_SHOWN = 10


@dataclass(frozen=True)
class QuizSummary:
    quiz: Quiz
    assessment_questions: int
    attempts: list[Attempt]
    best_score: int | None
    availability: Availability


def quiz_summary(
    *, learner: User, phase: Phase, enrollment: Enrollment | None, now: datetime | None = None
) -> QuizSummary | None:
    """The phase quiz as its Learning Center shows it, or None when it has no active quiz.

    `enrollment` is the learner's on the phase's track (None: not enrolled, no gate window).
    Two queries: the latest attempts (the list and the availability read the same rows) and
    the best score as the gate counts it; for an enrollment, both are kept until the
    learner's next attempt (`tracks.progression.kept_while_evidence_stays`).
    """
    content = study_content(phase)
    quiz = content.quiz
    if quiz is None:
        return None
    count = max(ATTEMPTS_SHOWN, attempts_needed(quiz))
    if enrollment is not None:
        latest = kept_latest_attempts(enrollment=enrollment, quiz=quiz, count=count)
        best = kept_best_score(enrollment=enrollment, quiz=quiz)
    else:
        latest = latest_attempts(learner=learner, quiz=quiz, count=count)
        best = best_score(learner=learner, quiz=quiz, window=None)
    return QuizSummary(
        quiz=quiz,
        assessment_questions=content.assessment_questions,
        attempts=latest[:ATTEMPTS_SHOWN],
        best_score=best,
        availability=quiz_availability(learner=learner, quiz=quiz, now=now, latest=latest),
    )


def attempt_responses(*, attempt: Attempt) -> list[Response]:
    """The attempt's questions in drawn order, with choices (and skills once graded)."""
    prefetch: list = [Prefetch("question__choices")]
    if attempt.is_graded:
        prefetch.append(Prefetch("question__skills"))
    return list(
        attempt.responses.select_related("question").prefetch_related(*prefetch).order_by("order")
    )


@dataclass(frozen=True)
class ResourceRow:
    resource: Resource
    done: bool


def phase_resources(*, learner: User, phase: Phase) -> list[ResourceRow]:
    """The phase's resources and certifications (the track's content, memoized), each with
    whether the learner marked it done: one query for the learner's completions, none when
    the phase has no resources."""
    resources = track_resources(phase.track).get(phase.pk, ())
    if not resources:
        return []
    done = set(
        ResourceCompletion.objects.filter(
            learner=learner, resource__in=[r.pk for r in resources]
        ).values_list("resource_id", flat=True)
    )
    return [ResourceRow(r, r.pk in done) for r in resources]


@dataclass(frozen=True)
class DeckSummary:
    deck: Deck
    cards: int
    studying: bool
    seen: int
    due: int
    retention: "Retention"


def deck_summary(*, learner: User, phase: Phase, now: datetime | None = None) -> DeckSummary | None:
    """The phase deck as its Learning Center shows it, or None when it has no active deck.

    One query, on the learner's own rows (the deck and its size are the track's content)."""
    content = study_content(phase)
    if content.deck is None:
        return None
    now = now or timezone.now()
    # Scalar subqueries on the learner's own rows (a join on `studies`, states or reviews
    # would read every learner's rows of the deck).
    deck = content.deck.pk
    states = CardState.objects.filter(
        learner=learner, card__deck=deck, card__is_active=True
    ).order_by()
    logs = _retention_logs(learner=learner, deck=deck).order_by()
    figures = (
        Deck.objects.filter(pk=deck)
        .annotate(
            studying=Exists(DeckStudy.objects.filter(deck=deck, learner=learner)),
            seen=_count(states),
            due=_count(states.filter(due__lte=now)),
            reviews=_count(logs),
            recalled=_count(logs.exclude(rating=ReviewLog.Rating.AGAIN)),
        )
        .values("studying", "seen", "due", "reviews", "recalled")
        .get()
    )
    return DeckSummary(
        deck=content.deck,
        cards=content.cards,
        studying=bool(figures["studying"]),
        seen=figures["seen"],
        due=figures["due"],
        retention=Retention(figures["reviews"], figures["recalled"]),
    )


def _count(rows: QuerySet) -> Coalesce:
    """How many of `rows` (correlated to an outer query) there are, as a scalar subquery."""
    counted = rows.annotate(n=Func(F("id"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted), Value(0))


@dataclass(frozen=True)
class PhaseEntry:
    phase: Phase
    has_quiz: bool
    has_deck: bool
    best_score: int | None


def learning_center(*, learner: User) -> list[tuple[Track, list[PhaseEntry]]]:
    """Published tracks with their phases, each saying what it offers and the best score.

    Two queries whatever the number of tracks and phases.
    """
    phases = list(
        Phase.objects.filter(track__in=_tracks_for(learner), retired=False)
        .select_related("track")
        .annotate(
            has_quiz=Count("quiz", filter=Q(quiz__is_active=True)),
            has_deck=Count("deck", filter=Q(deck__is_active=True)),
            enrolled_at=_enrolled_at(learner, OuterRef("track")),
        )
        .order_by("track__title", "order")
    )
    # Each track's best score as its gate counts it (in the window of that enrollment).
    windows = {phase.track_id: _window(phase.enrolled_at) for phase in phases}
    counted = Attempt.objects.none()
    for track_id, window in windows.items():
        counted |= counted_attempts(learner=learner, window=window).filter(
            quiz__phase__track_id=track_id
        )
    best = dict(counted.values_list("quiz__phase_id").annotate(best=Max("score")).order_by())
    grouped: dict[int, tuple[Track, list[PhaseEntry]]] = {}
    for phase in phases:
        entry = PhaseEntry(phase, bool(phase.has_quiz), bool(phase.has_deck), best.get(phase.pk))
        grouped.setdefault(phase.track_id, (phase.track, []))[1].append(entry)
    return list(grouped.values())


@dataclass(frozen=True)
class SkillRow:
    mastery: SkillMastery
    events: list[MasteryEvent]


def my_skills(*, learner: User, events_per_skill: int = 6) -> list[SkillRow]:
    """The learner's skills with an estimate, weakest first, each with its latest evidence.

    Two queries: the estimates, and the latest events of every skill (a window function keeps
    the count bounded whatever the length of the trail).
    """
    masteries = list(
        SkillMastery.objects.filter(learner=learner)
        .select_related("skill")
        .order_by("p_known", "skill__name")
    )
    latest = (
        MasteryEvent.objects.filter(learner=learner)
        .annotate(rank=Window(RowNumber(), partition_by=[F("skill_id")], order_by=F("id").desc()))
        .filter(rank__lte=events_per_skill)
        .select_related("question__quiz", "response__attempt")
        .order_by("skill_id", "-id")
    )
    events: dict[int, list[MasteryEvent]] = {}
    for event in latest:
        events.setdefault(event.skill_id, []).append(event)
    return [SkillRow(m, events.get(m.skill_id, [])) for m in masteries]


# --- Evidence for gates ---------------------------------------------------------------------


def _enrolled_at(learner: User, track: OuterRef) -> Subquery:
    """When the learner enrolled on `track` (None if never): where their window starts."""
    return Subquery(
        Enrollment.objects.filter(learner=learner, track=track).values("created_at")[:1]
    )


def _window(enrolled_at: datetime | None) -> gates.EvidenceWindow | None:
    # The gate's own window (tracks.gates.evidence_window), for an enrollment read as its
    # start only; None for a learner not enrolled, to whom no gate applies.
    return (
        None if enrolled_at is None else gates.evidence_window(Enrollment(created_at=enrolled_at))
    )


def counted_attempts(
    *, learner: User | int, window: gates.EvidenceWindow | None
) -> QuerySet[Attempt]:
    """The attempts the quiz_score gate counts: graded, at an active quiz, started inside
    the evidence window. The gate and every page that shows a best score read this, so they
    never give two answers. With no window (not enrolled), every graded attempt."""
    learner_id = learner if isinstance(learner, int) else learner.pk
    attempts = Attempt.objects.filter(
        learner_id=learner_id, quiz__is_active=True, state=Attempt.State.GRADED
    )
    return attempts if window is None else attempts.filter(window.q("started_at"))


def best_score(
    *, learner: User | int, quiz: Quiz, window: gates.EvidenceWindow | None
) -> int | None:
    """The best score (percent) at a quiz as its gate counts it, or None."""
    return (
        counted_attempts(learner=learner, window=window)
        .filter(quiz=quiz)
        .aggregate(best=Max("score"))["best"]
    )


def kept_best_score(*, enrollment: Enrollment, quiz: Quiz) -> int | None:
    """`best_score` in the enrollment's window, for pages: one cache read until the learner's
    next grading moves their evidence version (`tracks.services.record_study`)."""
    window = gates.evidence_window(enrollment)
    return progression.kept_while_evidence_stays(
        enrollment,
        f"best-score:{quiz.pk}:{window.start.timestamp()}",
        lambda: best_score(learner=enrollment.learner_id, quiz=quiz, window=window),
    )


@dataclass(frozen=True)
class Retention:
    reviews: int
    recalled: int

    @property
    def percent(self) -> int | None:
        return self.recalled * 100 // self.reviews if self.reviews else None


def _retention_logs(*, learner: User, deck: Deck | OuterRef) -> QuerySet[ReviewLog]:
    """The reviews `deck_retention` counts: of cards seen before (a first sight is not a
    recall)."""
    return ReviewLog.objects.filter(learner=learner, card__deck=deck, state_before__isnull=False)


def deck_retention(
    *, learner: User, deck: Deck, since: datetime | None = None, mature_only: bool = False
) -> Retention:
    """Share of the learner's reviews of a deck that were recalled (rated Hard or better).

    Counts reviews of cards seen before (a first sight is not a recall); `mature_only` keeps
    only reviews of cards that had graduated to the review state.
    """
    logs = _retention_logs(learner=learner, deck=deck)
    if mature_only:
        logs = logs.filter(state_before=CardState.State.REVIEW)
    if since is not None:
        logs = logs.filter(reviewed_at__gte=since)
    figures = logs.aggregate(
        reviews=Count("id"), recalled=Count("id", filter=~Q(rating=ReviewLog.Rating.AGAIN))
    )
    return Retention(figures["reviews"], figures["recalled"])
