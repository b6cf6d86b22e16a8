"""Where mentor approvals meet the gate (issue 5 builds the gate registry and `advance`).

`evidence_approved` is the criterion this app will register: its value is
`mentors.selectors.approved_submission_count(learner=..., phase=...)`, and the checklist's
"1 waiting for review since Tuesday" comes from `mentors.selectors.waiting_submissions`.
"""


def on_evidence_approved(*, learner_id: int, phase_id: int) -> None:
    """Called once per approval, after its transaction commits (see services.review).

    The one place where the progression service will be called: when issue 5 lands, find
    the learner's enrollment on the phase's track and call `advance(enrollment=...)`, which
    is idempotent. Until then it does nothing. Safe to call twice.
    """
    return None
