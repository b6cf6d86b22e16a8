"""The rules of evidence: submitting, the state machine, claims, reviews and the promise.

Every change of `Submission.state` goes through `_move`, a conditional UPDATE that names the
states a transition may start from: an illegal transition is refused with `IllegalTransition`,
and two requests racing for the same transition cannot both win. Side effects (the gate
hook, `hooks.round_sent`) run after commit.

One module per part of the domain; every name is importable from `mentors.services`:
- `states`: the transitions, `_move` and the errors (`EvidenceError` and its kinds);
- `submissions`: what learners do (submit, draft, resubmit, withdraw);
- `claims`: mentors' claims, who covers a track, fallback reviewers;
- `reviews`: reviews against the rubric, and escalation past the review promise.
"""

from mentors.services.claims import (
    claim,
    covers_track,
    make_fallback_reviewer,
    release_claim,
    release_expired_claims,
)
from mentors.services.reviews import (
    escalate_overdue_submissions,
    failing_criteria,
    review,
    scorable_criteria,
)
from mentors.services.states import (
    TRANSITIONS,
    ClaimRefused,
    EvidenceError,
    EvidenceRefused,
    IllegalTransition,
    ReviewRefused,
    State,
)
from mentors.services.submissions import (
    Evidence,
    mark_review_seen,
    resubmit,
    submit_evidence,
    update_draft,
    withdraw,
)

__all__ = [
    "TRANSITIONS",
    "ClaimRefused",
    "Evidence",
    "EvidenceError",
    "EvidenceRefused",
    "IllegalTransition",
    "ReviewRefused",
    "State",
    "claim",
    "covers_track",
    "escalate_overdue_submissions",
    "failing_criteria",
    "make_fallback_reviewer",
    "mark_review_seen",
    "release_claim",
    "release_expired_claims",
    "resubmit",
    "review",
    "scorable_criteria",
    "submit_evidence",
    "update_draft",
    "withdraw",
]
