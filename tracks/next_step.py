"""The one next step: what the dashboard's "Continue" offers, and why.

Chosen from the open phase's gate: each unmet criterion's kind proposes its concrete step
(`CriterionKind.next_step`: feedback to act on, due cards, a deck to start, an available
quiz, work to send), the next key action is one more candidate, and the most urgent wins
(`tracks.gates.RANK_*`; a quiz waits while key actions to learn remain). When every
criterion only waits (a mentor's review, a cooldown), the step says so and offers what can
be done meanwhile.
"""

from dataclasses import dataclass, replace

from django.urls import reverse

from tracks import gates
from tracks.dashboard import Dashboard
from tracks.progression import GateReport


@dataclass(frozen=True)
class Continue:
    label: str
    url: str
    reason: str
    waiting: bool = False  # everything the gate needs now waits on someone or something
    meanwhile: gates.NextStep | None = None  # while waiting: a useful thing to do


def choose(*, dashboard: Dashboard, gate: GateReport | None) -> Continue | None:
    """The single next concrete step for the learner, or None without an open phase.

    Reads only what the gate report holds, plus the queries of the kinds whose step needs
    the present moment (the quiz's availability: two). Safe to call any number of times.
    """
    if dashboard.finished:
        return Continue(
            label="Choose your next track",
            url=reverse("tracks:catalog"),
            reason="You mastered every phase of this track, each on evidence.",
        )
    if dashboard.current is None or gate is None:
        return None
    steps: list[gates.NextStep] = []
    for result in gate.results:
        kind = gates.get_kind(result.kind)
        if kind is None or result.met:
            continue
        step = kind.next_step(dashboard.enrollment, gate.phase, result)
        if step is not None:
            steps.append(step)
    action = dashboard.next_action
    if action is not None:
        steps.append(
            gates.NextStep(
                label=f"Next key action: {action.action.text}",
                url=reverse("home") + f"#key-action-{action.progress.pk}",
                reason="Your background covers it: check you can do it, then tick it."
                if action.covered
                else "The next piece of work of this phase; tick it when it is done.",
                rank=gates.RANK_KEY_ACTION,
            )
        )
    if action is not None and not action.covered:
        # Work still to learn comes before the quiz on it (a covered action: test out first).
        steps = [
            replace(s, rank=gates.RANK_KEY_ACTION + 1) if s.rank == gates.RANK_QUIZ else s
            for s in steps
        ]
    doable = sorted((s for s in steps if not s.waiting), key=lambda s: s.rank)
    waits = sorted((s for s in steps if s.waiting), key=lambda s: s.rank)
    if doable:
        best = doable[0]
        return Continue(label=best.label, url=best.url, reason=best.reason)
    if waits:
        wait = waits[0]
        return Continue(
            label=wait.label,
            url=wait.url,
            reason=wait.reason,
            waiting=True,
            meanwhile=gates.NextStep(
                label="Practise with the AI mentor",
                url=reverse("quizzes:phase", args=[gate.phase.track.slug, gate.phase.slug]),
                reason="Nothing else is due: keep the phase fresh while you wait.",
            ),
        )
    if gate.met or not gate.results:
        return Continue(
            label="See what opens next",
            url=reverse("home") + "#gate",
            reason="The gate of this phase is met: the next phase opens on your next visit.",
        )
    return None
