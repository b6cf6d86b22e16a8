"""What an approval sets off: the learner's gate is checked again, since the approved work may
complete it (the evidence_approved kind itself is in mentors.gates)."""

from tracks.models import Phase
from tracks.progression import advance_after_commit


def on_evidence_approved(*, learner_id: int, phase_id: int) -> None:
    """Called once per approval, after its transaction commits (see services.review): asks
    the progression service to advance the learner's enrollment on the phase's track.
    `advance` is idempotent, so a second call changes nothing."""
    track_id = Phase.objects.filter(pk=phase_id).values_list("track_id", flat=True).first()
    if track_id is not None:
        advance_after_commit(learner_id=learner_id, track_id=track_id)
