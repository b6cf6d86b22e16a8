"""The `quiz` and `deck` sections of track files: validated, imported, exported byte for byte,
and re-imported without losing what learners recorded."""

from pathlib import Path

import pytest
from django.conf import settings

from quizzes import services
from quizzes.models import Attempt, Card, Choice, Question, Quiz, ResourceCompletion
from tracks.models import Resource, Track
from tracks.trackfile import (
    TrackFileError,
    export_track,
    import_track_files,
    import_track_specs,
    parse_track_file,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fallback_reviewer")]

TRACK = """\
format: 1
track:
  slug: tiny
  title: Tiny
  summary: A tiny track.
  target_role: AI Engineer
  difficulty: beginner
  typical_duration: 1 month
  status: published
skills:
- slug: ml
  name: Machine learning
- slug: python
  name: Python
phases:
- order: 1
  slug: basics
  title: Basics
  min_weeks: 1
  max_weeks: 2
  resources:
  - kind: course
    title: A course
    provider: Somewhere
    cost: free
  quiz:
    title: Basics check
    pass_mark: 75
    questions_per_attempt: 1
    time_limit_minutes: 20
    cooldown_minutes: 30
    attempts_per_day: 3
    questions:
    - key: variance
      kind: single
      skills:
      - ml
      prompt: Which change most directly reduces a model's variance?
      explanation: |
        More data averages out the noise.
        Adding features does the opposite.
      choices:
      - text: Collect more training data
        correct: true
      - text: Add more features
    - key: splits
      kind: multiple
      difficulty: 1
      skills:
      - ml
      - python
      prompt: Which are used to estimate generalization?
      choices:
      - text: A held-out test set
        correct: true
      - text: Cross-validation
        correct: true
      - text: The training loss
    - key: half
      kind: numeric
      difficulty: 3
      prompt: What is 1/2 as a decimal?
      answer: 0.5
      tolerance: 0.01
    - key: optimizer
      kind: short
      pool: practice
      prompt: Name the basic optimizer of neural networks.
      accepted:
      - gradient descent
      - sgd
    - key: answer
      kind: numeric
      prompt: What is six times seven?
      answer: 42
  deck:
    title: Basics flashcards
    cards:
    - key: overfitting
      front: What is overfitting?
      back: |
        The model fits noise in the training data:
        low training error, high error on new data.
      skills:
      - ml
    - key: python
      front: What does len() return?
      back: The number of items.
"""


def load(text: str = TRACK) -> Track:
    import_track_specs([parse_track_file(text, name="tiny.yaml")])
    return Track.objects.get(slug="tiny")


def problem(text: str) -> str:
    with pytest.raises(TrackFileError) as error:
        parse_track_file(text, name="tiny.yaml")
    return str(error.value)


def test_quiz_and_deck_round_trip_byte_for_byte():
    track = load()
    first = export_track(track)
    assert first == TRACK
    load(first)
    assert export_track(track) == first


def test_the_import_stores_the_quiz_its_questions_and_the_deck():
    load()
    quiz = Quiz.objects.get()
    assert (quiz.pass_mark, quiz.questions_per_attempt, quiz.cooldown_minutes) == (75, 1, 30)
    questions = {q.key: q for q in Question.objects.all()}
    assert questions["optimizer"].pool == "practice"
    assert questions["half"].answer == 0.5 and questions["half"].tolerance == 0.01
    assert [c.correct for c in questions["splits"].choices.all()] == [True, True, False]
    assert sorted(s.slug for s in questions["splits"].skills.all()) == ["ml", "python"]
    assert list(Card.objects.values_list("key", flat=True)) == ["overfitting", "python"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (
                "      - text: Add more features\n",
                "      - text: Add more features\n        correct: true\n",
            ),
            'phases[0] "Basics": quiz: questions[0] "variance": a single-choice question needs '
            "exactly one correct choice (found 2)",
        ),
        (
            ("      answer: 0.5\n", ""),
            "quiz: questions[2] \"half\": a numeric question needs 'answer'",
        ),
        (
            ("      accepted:\n      - gradient descent\n      - sgd\n", ""),
            "questions[3] \"optimizer\": a short question needs at least one 'accepted' answer",
        ),
        (
            ("      - python\n      prompt: Which", "      - pyton\n      prompt: Which"),
            "questions[1] \"splits\": unknown skill 'pyton'",
        ),
        (
            ("    - key: half\n", "    - key: variance\n"),
            "quiz: questions[2]: duplicate key 'variance'",
        ),
        (
            ("    questions_per_attempt: 1\n", "    questions_per_attempt: 2\n"),
            'phases[0] "Basics": quiz: quiz "Basics check" draws 2 questions per attempt, so '
            "fresh draws need at least 6 assessment questions (3 x 2); its bank has 4: add 2 "
            "or lower questions_per_attempt",
        ),
        (
            (
                "      tolerance: 0.01\n",
                "      tolerance: 0.01\n      choices:\n      - text: Zero\n",
            ),
            "only single and multiple choice questions have choices",
        ),
        (
            ("    pass_mark: 75\n", "    pass_mark: 75\n    passmark: 80\n"),
            "unknown field 'passmark'",
        ),
        (
            ("    - key: python\n", "    - key: overfitting\n"),
            "deck: cards[1]: duplicate key 'overfitting'",
        ),
        (
            ("      kind: short\n", "      kind: essay\n"),
            'questions[3] "optimizer"',
        ),
    ],
)
def test_a_bad_quiz_or_deck_is_refused_with_the_entry_at_fault(change, message):
    old, new = change
    assert old in TRACK
    text = problem(TRACK.replace(old, new, 1))
    assert text.startswith("tiny.yaml: ")
    assert message in text


def test_nothing_is_written_when_a_file_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TRACK.replace("questions_per_attempt: 1", "questions_per_attempt: 9"))
    with pytest.raises(TrackFileError):
        import_track_files([bad])
    assert not Track.objects.exists() and not Quiz.objects.exists()


def test_a_reimport_retires_what_left_the_file_and_keeps_learners_records(learner):
    track = load()
    variance = Question.objects.get(key="variance")
    choice_ids = list(variance.choices.values_list("id", flat=True))
    resource = Resource.objects.get()
    ResourceCompletion.objects.create(learner=learner, resource=resource)
    attempt = services.start_attempt(learner=learner, quiz=Quiz.objects.get())
    services.grade_attempt(attempt=attempt)

    without = TRACK.replace(
        TRACK[TRACK.index("    - key: answer\n") : TRACK.index("  deck:\n")], ""
    ).replace("Add more features", "Add many more features")
    load(without)

    assert not Question.objects.get(key="answer").is_active
    assert Question.objects.filter(is_active=True).count() == 4
    assert list(variance.choices.values_list("id", flat=True)) == choice_ids, "choices kept"
    assert Choice.objects.get(pk=choice_ids[1]).text == "Add many more features"
    assert Attempt.objects.get().responses.count() == 1
    assert ResourceCompletion.objects.get().resource_id == resource.pk
    assert export_track(track) == without

    load()  # the question comes back under the same key
    assert Question.objects.get(key="answer").is_active
    assert export_track(track) == TRACK


def test_removing_the_quiz_section_retires_the_quiz_but_keeps_its_attempts(learner):
    track = load()
    services.start_attempt(learner=learner, quiz=Quiz.objects.get())
    without = TRACK[: TRACK.index("  quiz:\n")] + TRACK[TRACK.index("  deck:\n") :]
    load(without)
    assert not Quiz.objects.get().is_active
    assert Attempt.objects.count() == 1
    assert export_track(track) == without


@pytest.mark.parametrize(
    "path", sorted((Path(settings.BASE_DIR) / "tracks/content").glob("*.yaml"))
)
def test_the_seed_files_load_and_round_trip(path):
    import_track_files([path])
    track = Track.objects.get()
    first = export_track(track)
    load_again = parse_track_file(first, name=path.name)
    import_track_specs([load_again])
    assert export_track(track) == first
