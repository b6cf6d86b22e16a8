"""The criterion kind `tracks` provides: key_actions_done (self-reported ticks)."""

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from tracks import gates
from tracks.models import Enrollment, KeyAction, KeyActionProgress, Phase


def _key_actions_done(
    enrollment: Enrollment, phase: Phase, params: dict[str, int]
) -> gates.CriterionResult:
    # One query: the phase's actions, counting those this enrollment ticked.
    ticked_here = KeyActionProgress.objects.filter(
        enrollment=enrollment, key_action=OuterRef("pk"), ticked_at__isnull=False
    )
    figures = KeyAction.objects.filter(phase=phase).aggregate(
        total=Count("id"), ticked=Count("id", filter=Q(Exists(ticked_here)))
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
