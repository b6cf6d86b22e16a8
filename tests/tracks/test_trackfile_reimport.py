"""Re-importing a track file never loses or moves a learner's progress.

Each seed is imported, learners are enrolled at every phase with ticks, graded attempts,
submissions and progress events, then the track is re-imported with phases and key actions
reordered, renamed and removed. Every row must still exist and point where it pointed.
"""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from mentors.models import Submission
from quizzes.models import Attempt, Question, Response
from tests.factories import NEWCOMER_IN_UTC, UserFactory, enroll
from tracks.models import (
    Enrollment,
    KeyAction,
    KeyActionProgress,
    Phase,
    PhaseProgress,
    ProgressEvent,
    Track,
)
from tracks.trackfile import (
    RetireRefused,
    dump_yaml,
    export_track,
    import_track_files,
    import_track_specs,
    parse_track_file,
)

pytestmark = pytest.mark.usefixtures("fallback_reviewer")

SEEDS = sorted((Path(__file__).resolve().parents[2] / "tracks" / "content").glob("*.yaml"))
State = PhaseProgress.State


def slug_of(seed: Path) -> str:
    return yaml.safe_load(seed.read_text())["track"]["slug"]


def reimport(data: dict, *, retire: bool = False) -> None:
    import_track_specs([parse_track_file(dump_yaml(data), name="edited.yaml")], retire=retire)


def enroll_at_every_phase(track: Track) -> list[Enrollment]:
    """One learner per phase, open on it: earlier phases mastered, with all the evidence."""
    now = timezone.now()
    phases = list(track.phases.filter(retired=False).order_by("order"))
    enrollments = []
    for i, phase in enumerate(phases):
        learner = UserFactory()
        enrollment = enroll(learner, track, time_zone="UTC")
        for done in phases[:i]:
            PhaseProgress.objects.filter(enrollment=enrollment, phase=done).update(
                state=State.MASTERED, unlocked_at=now, mastered_at=now
            )
            ProgressEvent.objects.create(enrollment=enrollment, phase=done, kind="mastered")
        PhaseProgress.objects.filter(enrollment=enrollment, phase=phase).update(
            state=State.UNLOCKED, unlocked_at=now
        )
        ProgressEvent.objects.create(enrollment=enrollment, phase=phase, kind="unlocked")
        reached = phases[: i + 1]
        KeyActionProgress.objects.filter(
            enrollment=enrollment, key_action__phase__in=reached
        ).update(ticked_at=now)
        for p in reached:
            question = Question.objects.filter(quiz__phase=p, is_active=True).first()
            if question is not None:
                attempt = Attempt.objects.create(
                    learner=learner, quiz=question.quiz, seed=1, state="graded", graded_at=now
                )
                Response.objects.create(attempt=attempt, question=question, order=1, correct=True)
            for action in p.key_actions.filter(needs_evidence=True):
                Submission.objects.create(
                    learner=learner, key_action=action, phase=p, track=track, state="approved"
                )
        enrollments.append(enrollment)
    return enrollments


def evidence_rows() -> dict[str, set]:
    """Every learner row and what it points to, by database identity."""
    return {
        "phase progress": set(
            PhaseProgress.objects.values_list("pk", "enrollment_id", "phase_id", "state")
        ),
        "ticks": set(
            KeyActionProgress.objects.values_list(
                "pk", "enrollment_id", "key_action_id", "ticked_at"
            )
        ),
        "attempts": set(Attempt.objects.values_list("pk", "learner_id", "quiz_id", "state")),
        "responses": set(Response.objects.values_list("pk", "attempt_id", "question_id")),
        "submissions": set(
            Submission.objects.values_list("pk", "learner_id", "key_action_id", "phase_id", "state")
        ),
        "events": set(ProgressEvent.objects.values_list("pk", "enrollment_id", "phase_id", "kind")),
    }


def identities() -> dict[int, tuple]:
    """Each key action's phase and key: a tick follows the key, never a position."""
    return dict(
        (pk, (phase_slug, key))
        for pk, phase_slug, key in KeyAction.objects.values_list("pk", "phase__slug", "key")
    )


def shuffle_and_rename(data: dict) -> None:
    """Reverse the phases and every phase's key actions and questions; reword texts."""
    phases = data["phases"]
    for phase in phases:
        phase["order"] = len(phases) + 1 - phase["order"]
        phase["title"] += " (revised)"
        actions = phase.get("key_actions", [])
        for action in actions:
            action["order"] = len(actions) + 1 - action["order"]
            action["text"] = "Revised: " + action["text"]
        actions.reverse()
        if "quiz" in phase:
            phase["quiz"]["questions"].reverse()
            for question in phase["quiz"]["questions"]:
                question["prompt"] = "Revised: " + question["prompt"]
    phases.reverse()


@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_reordering_and_rewording_a_seed_moves_no_learner_evidence(seed):
    import_track_files([seed])
    track = Track.objects.get(slug=slug_of(seed))
    enroll_at_every_phase(track)
    before, keys = evidence_rows(), identities()
    data = yaml.safe_load(export_track(track))  # the exported form carries every key
    shuffle_and_rename(data)

    reimport(data)

    assert evidence_rows() == before
    assert identities() == keys
    assert not KeyAction.objects.filter(retired=True).exists()
    first = Phase.objects.get(track=track, slug=data["phases"][-1]["slug"])
    assert first.order == len(data["phases"]) and first.title.endswith("(revised)")
    assert all(a.text.startswith("Revised: ") for a in first.key_actions.all())


@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_a_seed_file_without_keys_matches_its_key_actions_by_their_text(seed):
    """A file written before keys existed: the import derives each key from the text, so a
    re-import of such a file, its key actions reordered, finds the same rows."""
    import_track_files([seed])
    track = Track.objects.get(slug=slug_of(seed))
    enroll_at_every_phase(track)
    before, keys = evidence_rows(), identities()
    data = yaml.safe_load(seed.read_text())
    for phase in data["phases"]:
        actions = phase.get("key_actions", [])
        for action in actions:
            action.pop("key")  # as files were before keys (the seeds' keys are derived)
            action["order"] = len(actions) + 1 - action["order"]

    reimport(data)

    assert evidence_rows() == before
    assert identities() == keys


@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_removing_phases_key_actions_and_questions_retires_them_and_keeps_the_evidence(
    seed, client
):
    import_track_files([seed])
    track = Track.objects.get(slug=slug_of(seed))
    learners = enroll_at_every_phase(track)
    before = evidence_rows()
    data = yaml.safe_load(export_track(track))
    dropped_phase = data["phases"].pop(1)
    # What the gates do not count on: a key action without evidence, a practice question.
    actions = data["phases"][0]["key_actions"]
    dropped_action = actions.pop(
        next((i for i, a in enumerate(actions) if not a.get("needs_evidence")), 0)
    )
    quizzes = [p["quiz"] for p in data["phases"] if p.get("quiz", {}).get("questions")]
    dropped_question = None
    if quizzes:
        questions = quizzes[0]["questions"]
        dropped_question = questions.pop(
            next((i for i, q in enumerate(questions) if q.get("pool") == "practice"), -1)
        )
    # Orders stay contiguous, as an author would renumber them.
    for order, phase in enumerate(data["phases"], start=1):
        phase["order"] = order

    with pytest.raises(RetireRefused) as refused:
        reimport(data)
    message = str(refused.value)
    assert f"phase '{dropped_phase['slug']}'" in message
    assert f"key action '{dropped_action['key']}'" in message
    assert "reached by 4 learners" in message  # all but the one still on the first phase
    assert "ticked by" in message and "--retire" in message
    assert not Phase.objects.filter(retired=True).exists()  # nothing written

    reimport(data, retire=True)

    assert evidence_rows() == before
    assert Phase.objects.get(track=track, slug=dropped_phase["slug"]).retired
    assert KeyAction.objects.get(
        phase__slug=data["phases"][0]["slug"], key=dropped_action["key"]
    ).retired
    if dropped_question:
        assert not Question.objects.get(key=dropped_question["key"]).is_active
    # Learners already on the track keep their rows (and their dashboards show them) ...
    assert PhaseProgress.objects.filter(
        enrollment=learners[1], phase__slug=dropped_phase["slug"], state=State.UNLOCKED
    ).exists()
    # ... and a newcomer gets only what the file lists.
    newcomer = enroll(UserFactory(), track, **NEWCOMER_IN_UTC)
    assert set(newcomer.phase_progress.values_list("phase__slug", flat=True)) == {
        p["slug"] for p in data["phases"]
    }
    assert not newcomer.key_action_progress.filter(key_action__retired=True).exists()
    assert not newcomer.key_action_progress.filter(key_action__phase__retired=True).exists()
    first_open = newcomer.phase_progress.get(state=State.UNLOCKED)
    assert first_open.phase.slug == data["phases"][0]["slug"]
    page = client.get(track.get_absolute_url()).content.decode()
    assert f"<h3>{dropped_phase['title']}</h3>" not in page
    assert page.count('<li class="phase"') == len(data["phases"])
    assert dropped_action["text"] not in page
    # The export is the file again: retired rows are left out.
    exported = yaml.safe_load(export_track(track))
    assert [p["slug"] for p in exported["phases"]] == [p["slug"] for p in data["phases"]]

    # Putting a retired key action back in the file revives the same row.
    data["phases"][0]["key_actions"].append({**dropped_action, "order": 99})
    reimport(data)
    revived = KeyAction.objects.get(
        phase__slug=data["phases"][0]["slug"], key=dropped_action["key"]
    )
    assert not revived.retired and revived.order == 99
    after = evidence_rows()  # the newcomer added rows of their own; none of the others moved
    assert all(before[name] <= after[name] for name in before)


@pytest.mark.django_db
def test_the_command_refuses_to_drop_a_phase_and_retires_it_with_the_flag(tmp_path):
    seed = next(s for s in SEEDS if s.name == "ai-engineering.yaml")
    import_track_files([seed])
    track = Track.objects.get(slug="ai-engineering")
    enroll_at_every_phase(track)
    data = yaml.safe_load(seed.read_text())
    gone = data["phases"].pop()
    data["phases"][-1].pop("gate", None)  # the new last phase needs no gate
    path = tmp_path / "edited.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("import_track", str(path))
    assert f"phase '{gone['slug']}'" in str(error.value)
    assert "reached by 1 learner" in str(error.value)  # the one on the last phase
    assert "Nothing was imported." in str(error.value)

    call_command("import_track", str(path), "--retire")
    assert Phase.objects.get(slug=gone["slug"]).retired


@pytest.mark.django_db
def test_progress_events_cannot_be_deleted_through_cascades_or_sql():
    import_track_files([SEEDS[0]])
    track = Track.objects.get(slug=slug_of(SEEDS[0]))
    enrollment = enroll_at_every_phase(track)[1]
    count = ProgressEvent.objects.count()
    with pytest.raises(ProtectedError):
        enrollment.delete()
    with pytest.raises(ProtectedError):
        enrollment.learner.delete()
    with pytest.raises(ProtectedError):
        Phase.objects.filter(track=track).delete()
    with (
        pytest.raises((IntegrityError, InternalError), match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM tracks_progressevent")
    assert ProgressEvent.objects.count() == count
