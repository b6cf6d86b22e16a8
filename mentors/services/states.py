"""The state machine of a submission and the errors of evidence actions.

Every change of `Submission.state` goes through `_move`, a conditional UPDATE that names the
states a transition may start from: an illegal transition is refused with `IllegalTransition`,
and two requests racing for the same transition cannot both win.
"""

from collections.abc import Mapping
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from mentors.models import Submission
from tracks.progression import evidence_changed

State = Submission.State

# Which states each state may move to. Anything else is an illegal transition.
TRANSITIONS: dict[str, set[str]] = {
    State.DRAFT: {State.SUBMITTED, State.WITHDRAWN},
    State.SUBMITTED: {State.IN_REVIEW, State.WITHDRAWN},
    State.IN_REVIEW: {
        State.IN_REVIEW,  # a claim extended, or an expired one taken over
        State.SUBMITTED,  # a claim released
        State.CHANGES_REQUESTED,
        State.APPROVED,
        State.WITHDRAWN,
    },
    State.CHANGES_REQUESTED: {State.SUBMITTED, State.WITHDRAWN},
    State.APPROVED: set(),
    State.WITHDRAWN: set(),
}


class EvidenceError(Exception):
    """A refused action, with a sentence for the person who tried it."""

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {"__all__": [message]})


class IllegalTransition(EvidenceError):
    def __init__(self, *, current: str, target: str):
        labels = dict(State.choices)
        super().__init__(
            f"A submission that is {labels[current].lower()} cannot become "
            f"{labels[target].lower()}."
        )
        self.current = current
        self.target = target


class EvidenceRefused(EvidenceError):
    pass


class ClaimRefused(EvidenceError):
    pass


class ReviewRefused(EvidenceError):
    pass


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _move(submission: Submission, target: str, *, only_if: Q | None = None, **fields) -> None:
    """Move `submission` to `target` if the database agrees it may; update the instance."""
    if target not in TRANSITIONS[submission.state]:
        raise IllegalTransition(current=submission.state, target=target)
    sources = [state for state, targets in TRANSITIONS.items() if target in targets]
    rows = Submission.objects.filter(pk=submission.pk, state__in=sources)
    if only_if is not None:
        rows = rows.filter(only_if)
    fields["updated_at"] = fields.get("updated_at") or timezone.now()
    if not rows.update(state=target, **fields):
        current = Submission.objects.values_list("state", flat=True).get(pk=submission.pk)
        if target not in TRANSITIONS[current] or only_if is None:
            raise IllegalTransition(current=current, target=target)
        raise EvidenceRefused("Someone else changed this submission first: reload the page.")
    submission.state = target
    for name, value in fields.items():
        setattr(submission, name, value)
    evidence_changed(learner_id=submission.learner_id)  # the gate counts states: reports go
