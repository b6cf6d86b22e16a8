"""What other apps hook into, so that the mentors core never imports them.

- `round_sent`, a signal sent after commit each time a learner sends a round to mentors
  (argument `round_id`). The AI mentor connects to it and queues its pre-review draft.
- Review aids: a provider registered with `register_review_aid` (in an AppConfig.ready) may
  add to a mentor's review page of a round not reviewed yet. The page includes the aid's
  templates (with `aid` in their context) above the review form, in each criterion's fieldset
  (with `criterion`) and after each level (with `criterion` and `level`); the form starts on
  the aid's `initial` values. The AI mentor's pre-review draft is such an aid.

Both are interfaces: the rules stay in each app's services.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.dispatch import Signal

from mentors.models import Rubric, SubmissionRound

# Sent on commit by `services` when a round enters the queue: `round_id=<SubmissionRound pk>`.
round_sent = Signal()


@dataclass(frozen=True)
class ReviewAid:
    """What an app adds to the review page (subclass it to carry what its templates read)."""

    template: str = ""  # included above the review form
    criterion_template: str = ""  # included in each criterion's fieldset
    level_template: str = ""  # included after each level's label
    # The review form's initial values: "criterion_<pk>" -> level pk, "feedback" -> text.
    initial: Mapping[str, object] = field(default_factory=dict)


ReviewAidProvider = Callable[..., ReviewAid | None]
_providers: list[ReviewAidProvider] = []


def register_review_aid(provider: ReviewAidProvider) -> None:
    """Add `provider(round=..., rubric=...)` to the review page. Safe twice (kept once)."""
    if provider not in _providers:
        _providers.append(provider)


def review_aids(*, round: SubmissionRound | None, rubric: Rubric | None) -> list[ReviewAid]:
    """The aids for the mentor's review of `round` (none once it is reviewed)."""
    if round is None or hasattr(round, "review"):
        return []
    aids = (provider(round=round, rubric=rubric) for provider in _providers)
    return [aid for aid in aids if aid is not None]


def initial_values(aids: list[ReviewAid]) -> dict[str, object]:
    """The review form's initial values from the aids; an earlier aid's value wins."""
    initial: dict[str, object] = {}
    for aid in aids:
        for name, value in aid.initial.items():
            initial.setdefault(name, value)
    return initial
