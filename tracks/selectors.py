"""Reads of tracks for pages, with a fixed number of queries whatever the track's size."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    StringAgg,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.shortcuts import get_object_or_404

from accounts.models import User
from tracks import content_memo, gates, plans, progression
from tracks.dashboard import (  # noqa: F401 (re-exported: the dashboard's reads)
    ON_SCHEDULE,
    Dashboard,
    EnrolledPhases,
    KeyActionRow,
    PhaseRow,
    dashboard,
    enrollment_phases,
    enrollments_of,
    phases_with_progress,
    track_key_actions,
    track_phases,
    track_resources,
)
from tracks.models import (
    Background,
    Enrollment,
    GateCriterion,
    KeyAction,
    KeyActionProgress,
    Phase,
    PhaseProgress,
    ProgressEvent,
    Resource,
    Track,
)


def catalog() -> list[Track]:
    """Published tracks with what the comparison shows, for the catalog (one query).

    Each track gets `phase_count`; `background_titles` (who it is for); `months_low` and
    `months_high` (the duration range over its backgrounds, at 10 h a week) and
    `gate_asks` (what its gates ask, as the kinds' labels). Distinct aggregates over the
    joined rows: a track's phases, backgrounds and criteria are a few dozen rows at most.
    """
    tracks = list(
        Track.objects.published()
        .annotate(
            phase_count=Count("phases", filter=Q(phases__retired=False), distinct=True),
            months_low=Min("backgrounds__min_months"),
            months_high=Max("backgrounds__max_months"),
            backgrounds_joined=StringAgg("backgrounds__title", delimiter=Value("|"), distinct=True),
            kinds_joined=StringAgg(
                "phases__gate_criteria__kind", delimiter=Value("|"), distinct=True
            ),
        )
        .order_by("title")
    )
    for track in tracks:
        track.background_titles = sorted(filter(None, (track.backgrounds_joined or "").split("|")))
        kinds = [gates.get_kind(k) for k in (track.kinds_joined or "").split("|") if k]
        track.gate_asks = sorted(k.label for k in kinds if k is not None)
    return tracks


def track_for_page(*, slug: str, viewer: User | None) -> Track:
    """A track with everything its page shows. Drafts are visible to staff only (404 else).

    One query for the track; what its page shows of it is its content, read once per process
    and change of it (`content_memo`): the returned track is shared, never change it."""
    tracks = (
        Track.objects.all() if viewer is not None and viewer.is_staff else Track.objects.published()
    )
    track = get_object_or_404(tracks, slug=slug)

    def read() -> Track:
        prefetch_related_objects(
            [track],
            Prefetch(
                "phases",
                queryset=Phase.objects.filter(retired=False)
                .order_by("order")
                .prefetch_related(
                    Prefetch(
                        "key_actions",
                        queryset=KeyAction.objects.filter(retired=False)
                        .order_by("order")
                        .prefetch_related("skills"),
                    ),
                    Prefetch("resources", queryset=Resource.objects.order_by("order")),
                ),
            ),
            Prefetch(
                "resources",
                queryset=Resource.objects.filter(phase=None).order_by("order"),
                to_attr="track_resources",
            ),
            Prefetch("backgrounds", queryset=Background.objects.order_by("min_months", "title")),
            "faqs",
        )
        return track

    return content_memo.memoized(track, "page", read)


# --- Plans, enrollments and the dashboard ----------------------------------------------------


def plan_track(track: Track, *, enrollment: Enrollment | None = None) -> plans.PlanTrack:
    """The track as the plan generator's input.

    Four queries for the phases, key actions, skills and gates, plus what each criterion kind
    reads to say how long its gate takes at least (a deck's size, a quiz's limits): bounded by
    the track's authoring, never by a learner's history. Called when goals are saved.
    Retired phases and key actions count only for an enrollment that already has them.
    """
    phases = enrollment_phases(track, enrollment).prefetch_related(
        Prefetch(
            "key_actions",
            queryset=KeyAction.objects.filter(
                Q(retired=False)
                | Q(
                    pk__in=KeyActionProgress.objects.filter(enrollment=enrollment).values(
                        "key_action_id"
                    )
                )
            ).prefetch_related("skills"),
        ),
        Prefetch("gate_criteria", queryset=GateCriterion.objects.order_by("order", "id")),
    )
    backgrounds = track.backgrounds.prefetch_related("covers_skills")
    return plans.PlanTrack(
        phases=tuple(
            plans.PlanPhase(
                id=p.pk,
                order=p.order,
                title=p.title,
                min_weeks=p.min_weeks,
                max_weeks=p.max_weeks,
                on_the_job=p.on_the_job,
                min_days=gates.gate_minimum_days(
                    p, [(c.kind, c.params) for c in p.gate_criteria.all()]
                ),
                key_actions=tuple(
                    plans.PlanKeyAction(id=a.pk, skills=frozenset(s.slug for s in a.skills.all()))
                    for a in p.key_actions.all()
                ),
            )
            for p in phases
        ),
        backgrounds=tuple(
            plans.PlanBackground(
                slug=b.slug,
                min_months=b.min_months,
                max_months=b.max_months,
                covers_skills=frozenset(s.slug for s in b.covers_skills.all()),
            )
            for b in backgrounds
        ),
    )


def get_enrollment_for(learner: User, pk: int) -> Enrollment:
    """The learner's own enrollment; 404 for anyone else's."""
    return get_object_or_404(Enrollment.objects.select_related("track"), pk=pk, learner=learner)


def get_key_action_progress_for(learner: User, pk: int) -> KeyActionProgress:
    """A key action row of the learner's own enrollments; 404 for anyone else's."""
    return get_object_or_404(
        KeyActionProgress.objects.select_related("enrollment", "key_action"),
        pk=pk,
        enrollment__learner=learner,
    )


def active_enrollment(learner: User) -> Enrollment | None:
    return next((e for e in enrollments_of(learner) if e.is_active), None)


@dataclass(frozen=True)
class PhaseAccess:
    """May a learner record evidence for a phase (take its quiz, submit work)?

    - enrolled: the learner has an enrollment on the phase's track.
    - open: the phase is unlocked or mastered for them.
    - test_out: the phase is locked, but their plan marks some of its key actions as covered
      by their background: its quiz may be taken early (the phase still opens in order).
    A learner with no enrollment on the track may practise, but nothing counts for a gate:
    gates count only evidence recorded since enrolling.
    """

    enrolled: bool
    open: bool = False
    test_out: bool = False

    @property
    def may_take_quiz(self) -> bool:
        return not self.enrolled or self.open or self.test_out

    @property
    def may_submit_evidence(self) -> bool:
        return not self.enrolled or self.open


def enrollment_on(*, learner: User, phase: Phase) -> Enrollment | None:
    """The learner's enrollment on the phase's track, any status, with `phase_state`: their
    PhaseProgress state of `phase` (None without a row), and `open_phase_id`: their open
    phase (`progression.unlocked_progress`; None when none is open). One query."""
    state = (
        PhaseProgress.objects.filter(enrollment=OuterRef("pk"), phase=phase)
        .order_by()  # one row at most: the Meta ordering would only add joins
        .values("state")
    )
    open_phase = progression.unlocked_progress(OuterRef("pk")).values("phase_id")
    return (
        Enrollment.objects.filter(learner=learner, track_id=phase.track_id)
        .annotate(phase_state=Subquery(state[:1]), open_phase_id=Subquery(open_phase[:1]))
        .first()
    )


def access_of(*, enrollment: Enrollment | None, phase: Phase) -> PhaseAccess:
    """The access an enrollment read by `enrollment_on` gives to `phase` (no query)."""
    if enrollment is None:
        return PhaseAccess(enrolled=False)
    if enrollment.phase_state in (PhaseProgress.State.UNLOCKED, PhaseProgress.State.MASTERED):
        return PhaseAccess(enrolled=True, open=True)
    entry = next(
        (p for p in (enrollment.plan or {}).get("phases", []) if p["phase_id"] == phase.pk), None
    )
    return PhaseAccess(enrolled=True, test_out=bool(entry and entry.get("covered")))


def phase_access(*, learner: User, phase: Phase) -> PhaseAccess:
    """The learner's access to `phase` (one query)."""
    return access_of(enrollment=enrollment_on(learner=learner, phase=phase), phase=phase)


def get_mastered_phase_for(learner: User, phase_pk: int) -> PhaseProgress:
    """A phase the learner has mastered on one of their enrollments; 404 for anything else."""
    return get_object_or_404(
        PhaseProgress.objects.select_related("phase__track", "enrollment"),
        phase_id=phase_pk,
        enrollment__learner=learner,
        state=PhaseProgress.State.MASTERED,
    )


def mastered_snapshot(*, enrollment: Enrollment, phase_id: int) -> list[dict]:
    """What met the gate of a mastered phase: its criteria as the mastered event kept them,
    each with the label of its kind (one query)."""
    event = (
        enrollment.progress_events.filter(phase_id=phase_id, kind=ProgressEvent.Kind.MASTERED)
        .order_by("-created_at")
        .first()
    )
    return labelled_criteria(event.snapshot.get("criteria", []) if event else [])


def labelled_criteria(criteria: list[dict]) -> list[dict]:
    """Snapshot criteria with `label`: the kind's name for a learner, never its code."""
    rows = []
    for c in criteria:
        kind = gates.get_kind(c.get("kind", ""))
        evidence = c.get("evidence") or {}
        graded = evidence.get("graded_at")
        rows.append(
            {
                **c,
                "label": kind.label if kind else c.get("kind", "").replace("_", " ").capitalize(),
                "graded_at": datetime.fromisoformat(graded) if graded else None,
            }
        )
    return rows


def phase_trail(*, progress: PhaseProgress) -> list:
    """The progress events of one phase of one enrollment, newest first (one query)."""
    return list(
        progress.enrollment.progress_events.filter(phase=progress.phase)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
