"""The criterion kind `tracks` provides: key_actions_done (self-reported ticks)."""

from django.db.models import Count, Q
from django.urls import reverse

from tracks import gates
from tracks.models import Enrollment, KeyActionProgress, Phase


def _key_actions_done(
    enrollment: Enrollment, phase: Phase, params: dict[str, int]
) -> gates.CriterionResult:
    # One query over the learner's own key actions of the phase: a retired one (it left the
    # track file) keeps its tick but is no longer required; ticks count inside the window.
    window = gates.evidence_window(enrollment)
    figures = KeyActionProgress.objects.filter(
        enrollment=enrollment, key_action__phase=phase, key_action__retired=False
    ).aggregate(
        total=Count("id"),
        ticked=Count("id", filter=Q(ticked_at__isnull=False) & window.q("ticked_at")),
    )
    total, ticked = figures["total"], figures["ticked"]
    left = total - ticked
    return gates.CriterionResult(
        kind="key_actions_done",
        label="Key actions done",
        met=left <= 0,
        current=f"{ticked} of {total}",
        required=f"all {total}",
        sentence="Every key action is ticked."
        if left <= 0
        else f"{ticked} of {total} key actions ticked: {left} to go.",
        progress=ticked / total if total else 1.0,
        link=reverse("home"),
        link_label="Tick key actions on your dashboard",
        evidence={"ticked": ticked, "total": total},
    )


KEY_ACTIONS_DONE = gates.CriterionKind(
    key="key_actions_done",
    label="Key actions done",
    description="Every key action of the phase is ticked by the learner (self-reported).",
    evaluate=_key_actions_done,
    self_reported=True,
    summary=lambda params: "every key action ticked",
)


def register() -> None:
    gates.register(KEY_ACTIONS_DONE)
