"""The progression service: the only code that opens phases.

Entry points:
- `evaluate(enrollment)`: a read-only report of the current phase's gate, each criterion
  with its current and required value, met or not, and a sentence for the learner.
- `advance(enrollment)`: in one transaction, with the enrollment row locked, re-evaluates
  from the database and, if the gate is met, marks the phase mastered, unlocks the next and
  writes progress events with the evidence snapshot. Idempotent: calling it twice, or from
  two workers at once, unlocks once. It never reads a cached report.
- `advance_and_report(enrollment)`: what pages showing a gate call: the report (cached, see
  below) and, when it says the gate is met, `advance`, so a learner never has to reload to
  see a phase open.

Every place that records evidence calls `advance` after its transaction commits
(`advance_after_commit`). Phases open in order only.

Cached reports: evaluating a gate reads all of the learner's counted evidence for the
phase, so pages read the report through `report_for`, which keeps it in the shared cache
under a key made of what it depends on: the enrollment's `evidence_version` (moved in the
transaction of every write of gate input, by `evidence_changed` or by
`tracks.services.record_study` in the same UPDATE: grading, card reviews, ticks and unticks,
submissions and their reviews, exemptions), the track's `updated_at` (touched by
every change of its content: `content_changed`), the active time zone and language
(sentences name local times), and a result's own `valid_until` (a card falling due). The
version lives in the database, not in the cache, so several web processes, and a process
serving from its local fallback while Redis is down (edirae/cache.py), never serve a report
older than the evidence: a stale entry is simply never looked up again.
"""

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone, translation

from accounts.models import User
from tracks import gates
from tracks.models import Enrollment, GateCriterion, Phase, PhaseProgress, ProgressEvent, Track

logger = logging.getLogger(__name__)

State = PhaseProgress.State


@dataclass(frozen=True)
class GateReport:
    """The gate of one phase for one enrollment, as it stands now."""

    phase: Phase
    results: list[gates.CriterionResult]

    @property
    def met(self) -> bool:
        # A phase without criteria has no gate to meet only if it is the last one; an
        # unpublished, half-authored phase without a gate never opens the next by itself.
        return bool(self.results) and all(r.met for r in self.results)

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.results if r.met)

    @property
    def checklist_key(self) -> str:
        """A digest of everything the gate checklist (`tracks/_gate.html`) shows of this
        report, so pages keep its rendering (`{% cache %}`) until one of these changes."""
        shown = (
            self.phase.pk,
            self.phase.order,
            translation.get_language(),
            tuple(
                (r.label, r.met, r.current, r.required, r.percent, r.sentence, r.link, r.link_label)
                for r in self.results
            ),
        )
        return hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Advanced:
    """What `advance` did: the phases it marked mastered and unlocked (empty: nothing)."""

    mastered: list[Phase]
    unlocked: list[Phase]

    @property
    def changed(self) -> bool:
        return bool(self.mastered)


def unlocked_progress(enrollment: Any) -> QuerySet[PhaseProgress]:
    """The enrollment's unlocked phase rows, the open phase's first (the first by order).
    `enrollment` may be an `OuterRef` (a subquery per enrollment)."""
    return PhaseProgress.objects.filter(enrollment=enrollment, state=State.UNLOCKED).order_by(
        "phase__order"
    )


def current_phase(enrollment: Enrollment) -> Phase | None:
    """The enrollment's open phase (the first unlocked one), or None. One query."""
    progress = (
        unlocked_progress(enrollment)
        .select_related("phase__track", "phase__quiz")  # the quiz: for the next step
        .first()
    )
    return progress.phase if progress else None


def evaluate_phase(*, enrollment: Enrollment, phase: Phase) -> GateReport:
    """The gate of `phase` for `enrollment`, criteria in force now. Read-only.

    One query for the criteria plus each kind's own fixed number of queries.
    """
    criteria = list(GateCriterion.objects.filter(phase=phase).order_by("order", "id"))
    results = []
    for criterion in criteria:
        kind = gates.get_kind(criterion.kind)
        if kind is None:  # an app that provided it is gone: say so, never pass silently
            results.append(
                gates.CriterionResult(
                    kind=criterion.kind,
                    label=criterion.kind,
                    met=False,
                    current="unavailable",
                    required="",
                    sentence="This criterion cannot be checked right now.",
                    progress=0.0,
                )
            )
            continue
        params = kind.clean_params(criterion.params)
        results.append(kind.evaluate(enrollment, phase, params))
    return GateReport(phase=phase, results=results)


def evaluate(*, enrollment: Enrollment) -> GateReport | None:
    """The current phase's gate report, or None when no phase is open (finished track)."""
    phase = current_phase(enrollment)
    return None if phase is None else evaluate_phase(enrollment=enrollment, phase=phase)


def advance(*, enrollment: Enrollment, now: datetime | None = None) -> Advanced:
    """Master the open phase and unlock the next while their gates are met. Idempotent.

    Runs in one transaction with the enrollment row locked (SELECT ... FOR UPDATE), so two
    concurrent calls run one after the other and the second finds nothing to do. Phases
    open strictly in order; the last phase is mastered when its gate (if any) is met.
    """
    now = now or timezone.now()
    mastered: list[Phase] = []
    unlocked: list[Phase] = []
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
        if locked is None or locked.status != Enrollment.Status.ACTIVE:
            return Advanced([], [])
        while (phase := current_phase(locked)) is not None:
            report = evaluate_phase(enrollment=locked, phase=phase)
            if not report.met:
                break
            _master(
                locked, phase, now=now, snapshot=_snapshot(report), kind=ProgressEvent.Kind.MASTERED
            )
            mastered.append(phase)
            following = _unlock_next(locked, phase, now=now)
            if following is None:
                break
            unlocked.append(following)
    return Advanced(mastered, unlocked)


@dataclass(frozen=True)
class ReportAfterAdvance:
    report: GateReport | None  # the open phase's gate after any advance; None when finished
    advanced: Advanced


# `advance_and_report`'s default: the caller has not read the open phase in this request.
UNREAD = object()


def advance_and_report(*, enrollment: Enrollment, open_phase: Any = UNREAD) -> ReportAfterAdvance:
    """What a page showing the gate calls: the open phase's report (`report_for`, cached)
    and, only when it says the gate is met, `advance` (which evaluates afresh under the row
    lock, never from the cache) and the report of the newly open phase.

    `open_phase` is the open phase (the first unlocked one, with its track) when the caller
    has read it in this request, None when it found none open; left out, it is read here
    (`current_phase`, one query). So the learner never needs a reload to see a phase open,
    and a page view that finds nothing new takes no lock. Safe to call any number of times.
    """
    if open_phase is UNREAD:
        open_phase = current_phase(enrollment)
    report = None if open_phase is None else report_for(enrollment=enrollment, phase=open_phase)
    if report is None or not report.met:
        return ReportAfterAdvance(report, Advanced([], []))
    advanced = advance(enrollment=enrollment)
    return ReportAfterAdvance(current_report(enrollment=enrollment), advanced)


# --- Cached reports (see the module docstring) -----------------------------------------------

# An entry nobody reads again expires; so does one whose key missed a change (belt and braces).
REPORT_TTL_SECONDS = 15 * 60


def evidence_changed(*, learner_id: int) -> None:
    """Note that evidence a gate reads changed for this learner: every cached report of
    theirs is then left behind. Call it inside the transaction that writes the evidence (or
    after it commits, never before). Every enrollment of the learner moves, because a skill
    is shared between tracks. One UPDATE; safe twice."""
    Enrollment.objects.filter(learner_id=learner_id).update(
        evidence_version=F("evidence_version") + 1
    )


EVIDENCE_KEPT_SECONDS = 15 * 60


def kept_while_evidence_stays[T](enrollment: Enrollment, what: str, read: Callable[[], T]) -> T:
    """`read()` for a page (what a page shows of the learner's own evidence: their latest
    attempts, their best score), kept in the cache under the enrollment's evidence version as
    read in this request, before `read`: every service that writes such evidence moves the
    version in its own transaction, so what is kept is never older than the version. Never
    for a decision (`advance`, `start_attempt` read afresh). `what` names the read and its
    arguments; the TTL covers rows deleted behind the services' back (the admin)."""
    key = f"evidence-kept:{what}:{enrollment.pk}:{enrollment.evidence_version}"
    kept = cache.get(key)
    if kept is None:
        kept = (read(),)  # in a tuple: a None read is kept too
        cache.set(key, kept, EVIDENCE_KEPT_SECONDS)
    return kept[0]


def content_changed(*, track_id: int) -> None:
    """Note that the track's content changed: what its gates read (criteria, quizzes,
    questions, cards, key actions) or what its pages show (resources, backgrounds, FAQs).
    Every cached report and memoized content of the track (`tracks.content_memo`) is then
    left behind. One UPDATE."""
    Track.objects.filter(pk=track_id).update(updated_at=timezone.now())


_watching = threading.local()


@contextmanager
def content_written_in_bulk() -> Iterator[None]:
    """Inside: row-by-row saves do not touch their track (`watch_content`); the
    caller calls `content_changed` for each track it wrote (a track file's import)."""
    _watching.muted = True
    try:
        yield
    finally:
        _watching.muted = False


def watch_content(model: type, *, tracks: Callable[[Any], Iterable[int]]) -> None:
    """Call `content_changed` whenever a row of `model` (a quiz, a question, a resource...)
    is saved or deleted one by one (the admin); `tracks(row)` says which tracks it belongs
    to (a skill: every track listing it), read before a delete and touched after it. Bulk
    writes (a track file's import) touch the tracks themselves. From an AppConfig.ready."""

    def touch(track_ids: Iterable[int]) -> None:
        if getattr(_watching, "muted", False):
            return
        for track_id in track_ids:
            content_changed(track_id=track_id)

    def belongs_to(instance) -> list[int]:
        try:
            return list(tracks(instance))
        except ObjectDoesNotExist:  # deleted along with its track: nothing is cached on it
            return []

    def saved(sender, instance, **kwargs) -> None:
        touch(belongs_to(instance))

    def deleting(sender, instance, **kwargs) -> None:
        instance._content_tracks = belongs_to(instance)  # its links are gone after the delete

    def deleted(sender, instance, **kwargs) -> None:
        touch(getattr(instance, "_content_tracks", []))

    uid = f"gate-content-{model._meta.label_lower}"
    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{uid}-save")
    pre_delete.connect(deleting, sender=model, weak=False, dispatch_uid=f"{uid}-deleting")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"{uid}-delete")


def watch_skill_lists() -> None:
    """Call `content_changed` when a track's list of skills changes (`Track.skills`), from
    either side (track.skills.add, skill.tracks.remove...)."""

    def changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
        if getattr(_watching, "muted", False):
            return
        if not reverse:  # instance is the track
            if action.startswith("post_"):
                content_changed(track_id=instance.pk)
        elif action == "pre_clear":  # the skill's tracks are gone after the clear
            instance._content_tracks = list(instance.tracks.values_list("pk", flat=True))
        elif action.startswith("post_"):
            cleared = getattr(instance, "_content_tracks", [])
            for track_id in pk_set if pk_set is not None else cleared:
                content_changed(track_id=track_id)

    m2m_changed.connect(
        changed, sender=Track.skills.through, weak=False, dispatch_uid="content-track-skills"
    )


def current_report(*, enrollment: Enrollment) -> GateReport | None:
    """The open phase's report for a page (`report_for`), or None when no phase is open."""
    phase = current_phase(enrollment)
    return None if phase is None else report_for(enrollment=enrollment, phase=phase)


def _report_key(enrollment: Enrollment, phase: Phase) -> str:
    content = phase.track.updated_at.timestamp()
    zone = timezone.get_current_timezone_name()
    language = translation.get_language() or ""
    return (
        f"gate-report:{enrollment.pk}:{phase.pk}:{enrollment.evidence_version}:{content}:"
        f"{zone}:{language}"
    )


def report_for(*, enrollment: Enrollment, phase: Phase, now: datetime | None = None) -> GateReport:
    """The gate of `phase` for `enrollment`, for a page: `evaluate_phase`, kept in the cache
    until the evidence, the gate's content or the clock (a result's `valid_until`) changes it.

    `enrollment.evidence_version` and `phase.track` must be as read in this request (before
    the report), so the key is never newer than the evidence. One cache read when nothing
    changed; never used to open a phase (`advance` evaluates afresh).
    """
    now = now or timezone.now()
    key = _report_key(enrollment, phase)
    cached = cache.get(key)
    if cached is not None:
        results, valid_until = cached
        if valid_until is None or now < valid_until:
            return GateReport(phase=phase, results=results)
    report = evaluate_phase(enrollment=enrollment, phase=phase)
    valid_until = min((r.valid_until for r in report.results if r.valid_until), default=None)
    timeout = REPORT_TTL_SECONDS
    if valid_until is not None:
        timeout = int(min(timeout, max((valid_until - now).total_seconds(), 0)))
    if timeout > 0:
        cache.set(key, (report.results, valid_until), timeout)
    return report


def _snapshot(report: GateReport) -> dict:
    return {"criteria": [r.snapshot() for r in report.results]}


def _master(
    enrollment: Enrollment,
    phase: Phase,
    *,
    now: datetime,
    snapshot: dict,
    kind: str,
    actor: User | None = None,
    reason: str = "",
) -> None:
    PhaseProgress.objects.filter(enrollment=enrollment, phase=phase, state=State.UNLOCKED).update(
        state=State.MASTERED, mastered_at=now
    )
    ProgressEvent.objects.create(
        enrollment=enrollment,
        phase=phase,
        kind=kind,
        created_at=now,
        snapshot=snapshot,
        actor=actor,
        reason=reason,
    )


def _unlock_next(enrollment: Enrollment, phase: Phase, *, now: datetime) -> Phase | None:
    nxt = (
        PhaseProgress.objects.filter(
            enrollment=enrollment,
            phase__order__gt=phase.order,
            phase__retired=False,  # a retired phase nobody has reached is skipped
            state=State.LOCKED,
        )
        .select_related("phase")
        .order_by("phase__order")
        .first()
    )
    if nxt is None:
        return None
    PhaseProgress.objects.filter(pk=nxt.pk, state=State.LOCKED).update(
        state=State.UNLOCKED, unlocked_at=now
    )
    ProgressEvent.objects.create(
        enrollment=enrollment,
        phase=nxt.phase,
        kind=ProgressEvent.Kind.UNLOCKED,
        created_at=now,
        snapshot={"after": {"phase": phase.pk, "title": str(phase)}},
    )
    return nxt.phase


def advance_after_commit(*, learner_id: int, track_id: int) -> None:
    """Call `advance` for the learner's active enrollment on that track once the current
    transaction commits (or at once outside a transaction). Evidence recorders use this,
    and note the evidence in their transaction themselves: `record_study` or
    `evidence_changed` (cached reports are keyed on it)."""

    def run() -> None:
        enrollment = (
            Enrollment.objects.active().filter(learner_id=learner_id, track_id=track_id).first()
        )
        if enrollment is not None:
            advance(enrollment=enrollment)

    transaction.on_commit(run)


class ExemptionRefused(Exception):
    pass


def grant_exemption(
    *, enrollment: Enrollment, phase: Phase, staff: User, reason: str, now: datetime | None = None
) -> Advanced:
    """Staff mark the open phase mastered without its gate, recorded with who and why.

    Never silent: the progress event keeps the staff member, the reason and the gate's state
    at that moment. Only the open phase can be exempted (phases still open in order).
    """
    if not staff.is_staff:
        raise ExemptionRefused("Only staff can grant an exemption.")
    if not reason.strip():
        raise ExemptionRefused("Say why the exemption is granted.")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if current_phase(locked) != phase:
            raise ExemptionRefused(f"{phase} is not the learner's open phase.")
        report = evaluate_phase(enrollment=locked, phase=phase)
        _master(
            locked,
            phase,
            now=now,
            snapshot={**_snapshot(report), "exemption": True},
            kind=ProgressEvent.Kind.EXEMPTED,
            actor=staff,
            reason=reason.strip(),
        )
        unlocked = _unlock_next(locked, phase, now=now)
        evidence_changed(learner_id=locked.learner_id)
    result = advance(enrollment=enrollment, now=now)
    return Advanced([phase, *result.mastered], [p for p in [unlocked, *result.unlocked] if p])


def record_gate_change(*, phase: Phase, before: list[dict], after: list[dict]) -> int:
    """Write a gate-changed event for every active enrollment whose open phase is `phase`.

    Mastered phases are never touched (a changed gate re-locks nothing); learners on the phase
    see, in their trail, that the criteria in force changed. One INSERT for all of them.
    """
    if before == after:
        return 0
    content_changed(track_id=phase.track_id)
    enrollment_ids = PhaseProgress.objects.filter(
        phase=phase, state=State.UNLOCKED, enrollment__status=Enrollment.Status.ACTIVE
    ).values_list("enrollment_id", flat=True)
    events = ProgressEvent.objects.bulk_create(
        ProgressEvent(
            enrollment_id=pk,
            phase=phase,
            kind=ProgressEvent.Kind.GATE_CHANGED,
            snapshot={"before": before, "after": after},
        )
        for pk in enrollment_ids
    )
    return len(events)
