"""The AI Engineering seed track makes every phase measurable: fresh quiz draws, skills with
enough questions to be mastered, practice, decks, resources, and gates backed by evidence."""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from quizzes.models import Question
from tracks.models import Track
from tracks.trackfile import import_track_files

pytestmark = pytest.mark.usefixtures("fallback_reviewer")

SEED = Path(settings.BASE_DIR) / "tracks" / "content" / "ai-engineering.yaml"
STUDY_GATE = {
    "quiz_score",
    "skill_mastery",
    "card_retention",
    "evidence_approved",
    "key_actions_done",
}
KINDS = {"single", "multiple", "numeric", "short"}


@pytest.fixture
def track(db):
    import_track_files([SEED])
    return Track.objects.get(slug="ai-engineering")


def test_every_phase_has_a_bank_for_fresh_draws_and_skills_that_can_be_mastered(track):
    for phase in track.phases.order_by("order"):
        quiz = phase.quiz
        assessment = quiz.questions.filter(is_active=True, pool=Question.Pool.ASSESSMENT)
        assert quiz.questions_per_attempt == 8, phase.slug
        assert assessment.count() >= 3 * quiz.questions_per_attempt, phase.slug
        per_skill = Counter(
            slug for q in assessment for slug in q.skills.values_list("slug", flat=True)
        )
        assert per_skill and min(per_skill.values()) >= 4, (phase.slug, per_skill)
        assert set(assessment.values_list("kind", flat=True)) == KINDS, phase.slug
        assert not assessment.filter(explanation="").exists(), phase.slug
        assert quiz.questions.filter(is_active=True, pool=Question.Pool.PRACTICE).count() >= 6
        assert phase.deck.cards.filter(is_active=True).count() >= 12, phase.slug
        assert phase.resources.count() >= 2, phase.slug


def test_the_foundations_bank_lasts_five_attempts_and_covers_each_skill_eight_times(track):
    # With three attempts' worth of fresh questions, an honest learner who slipped once on a
    # thinly covered skill was refused every start for a month (benchmarks/gaming.py).
    quiz = track.phases.get(order=1).quiz
    assessment = quiz.questions.filter(is_active=True, pool=Question.Pool.ASSESSMENT)
    assert assessment.count() >= 5 * quiz.questions_per_attempt
    per_skill = Counter(
        slug for q in assessment for slug in q.skills.values_list("slug", flat=True)
    )
    assert min(per_skill.values()) >= 8, per_skill


def test_study_phases_open_on_evidence_and_the_senior_phase_on_work_done(track):
    for phase in track.phases.order_by("order"):
        kinds = {c.kind: c.params for c in phase.gate_criteria.all()}
        evidence_actions = phase.key_actions.filter(needs_evidence=True).count()
        if phase.on_the_job:
            # Assessed on the role's work: several approvals, judgement questions, no card trivia.
            assert set(kinds) == STUDY_GATE - {"card_retention"}
            assert kinds["evidence_approved"]["count"] >= 2
        else:
            assert set(kinds) == STUDY_GATE, phase.slug
        assert kinds["evidence_approved"]["count"] <= evidence_actions, phase.slug


def test_seed_004_skills_are_measured_where_they_belong(track):
    def assessed(order: int) -> set[str]:
        questions = Question.objects.filter(
            quiz__phase__track=track, quiz__phase__order=order, pool=Question.Pool.ASSESSMENT
        )
        return set(questions.values_list("skills__slug", flat=True))

    assert "gpu-computing" in assessed(2)
    assert "responsible-ai" in assessed(3)
    assert "vector-databases" in assessed(5)
    titles = set(track.resources.filter(kind="certification").values_list("title", flat=True))
    assert {
        "TensorFlow Developer Certificate",
        "Deep Learning Specialization certificate",
    } <= titles


def _texts(node, key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _texts(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _texts(v, key)
    elif isinstance(node, str):
        yield key, node


def test_its_prose_is_stored_as_paragraphs_with_code_fenced():
    for key, text in _texts(yaml.safe_load(SEED.read_text(encoding="utf-8"))):
        prose = re.sub(r"```[^\n]*\n.*?\n```", "CODE", text, flags=re.S)
        assert "```" not in prose, (key, text[:60])
        # A single line break inside a paragraph is a hard wrap: paragraphs are one line each.
        assert not re.search(r"[^\n]\n[^\n]", prose.strip()), (key, text[:60])
