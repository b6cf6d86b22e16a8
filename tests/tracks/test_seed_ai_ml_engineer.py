"""The AI/ML Engineer seed track: every phase measurable, plans per background, rubrics, prose."""

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from mentors.models import Rubric
from quizzes.models import Question
from tracks import plans
from tracks.models import GateCriterion, Track
from tracks.selectors import plan_track
from tracks.trackfile import import_track_files

pytestmark = pytest.mark.usefixtures("fallback_reviewer")

ROOT = Path(settings.BASE_DIR)
TRACK_FILE = ROOT / "tracks" / "content" / "ai-ml-engineer.yaml"
STUDY_GATE = {
    "quiz_score",
    "skill_mastery",
    "card_retention",
    "evidence_approved",
    "key_actions_done",
}
WEEKS_PER_MONTH = 52 / 12


@pytest.fixture
def track(db) -> Track:
    import_track_files([TRACK_FILE])
    return Track.objects.get(slug="ai-ml-engineer")


def phases(track: Track):
    return list(track.phases.order_by("order"))


def test_every_phase_has_a_bank_for_fresh_draws_with_each_skill_on_four_questions(track):
    for phase in phases(track):
        quiz = phase.quiz
        assessment = list(quiz.questions.filter(pool=Question.Pool.ASSESSMENT, is_active=True))
        assert len(assessment) >= 3 * quiz.questions_per_attempt, phase.slug
        assert quiz.questions_per_attempt == 8 and quiz.pass_mark == 80, phase.slug
        assert quiz.cooldown_minutes > 0 and quiz.attempts_per_day, phase.slug
        per_skill = Counter(s.slug for q in assessment for s in q.skills.all())
        assert per_skill and min(per_skill.values()) >= 4, (phase.slug, per_skill)
        assert all(q.skills.exists() for q in assessment), phase.slug
        kinds = {q.kind for q in assessment}
        assert kinds == {"single", "multiple", "numeric", "short"}, (phase.slug, kinds)


def test_every_question_teaches_and_short_answers_are_generous(track):
    questions = Question.objects.filter(quiz__phase__track=track, is_active=True)
    assert questions.count() >= 5 * 32
    for question in questions:
        assert len(question.explanation) >= 120, question.key
        if question.kind == "short":
            assert len(question.accepted) >= 3, question.key


def test_every_phase_has_practice_a_deck_and_resources(track):
    for phase in phases(track):
        practice = phase.quiz.questions.filter(pool=Question.Pool.PRACTICE, is_active=True)
        assert practice.count() >= 6, phase.slug
        assert phase.deck.cards.filter(is_active=True).count() >= 12, phase.slug
        assert phase.resources.count() >= 2, phase.slug


def test_every_gate_measures_quiz_skills_cards_and_all_the_evidence(track):
    for phase in phases(track):
        criteria = {c.kind: c for c in GateCriterion.objects.filter(phase=phase)}
        assert set(criteria) == STUDY_GATE, phase.slug
        needing_evidence = phase.key_actions.filter(needs_evidence=True).count()
        assert criteria["evidence_approved"].params["count"] == needing_evidence, phase.slug


def test_every_learner_type_has_a_background_whose_plan_lands_in_its_months(track):
    plan_input = plan_track(track)
    slugs = {b.slug for b in plan_input.backgrounds}
    assert slugs == {
        "software-engineer",
        "data-scientist",
        "ml-researcher",
        "data-engineer",
        "quant-analyst",
        "newcomer",
    }
    months = {}
    for background in plan_input.backgrounds:
        goals = plans.Goals(background=background.slug, hours_per_week=10, start=date(2027, 1, 4))
        plan = plans.generate_plan(track=plan_input, goals=goals)
        months[background.slug] = plan.study_weeks / WEEKS_PER_MONTH
        assert background.min_months <= months[background.slug] <= background.max_months
        assert all(entry.weeks >= 1 for entry in plan.phases)
    assert months["data-scientist"] < months["software-engineer"] < months["newcomer"]
    assert months["ml-researcher"] < months["data-engineer"]


def test_every_background_says_where_its_timeline_comes_from(track):
    for background in track.backgrounds.all():
        assert "Timeline:" in background.summary, background.slug
        assert background.transferable and background.gaps, background.slug


def test_the_track_file_gives_every_phase_a_rubric_once(track):
    for phase in phases(track):
        rubric = Rubric.objects.get(phase=phase, key_action=None)
        assert rubric.criteria.count() >= 3, phase.slug


def test_load_demo_loads_the_ai_ml_engineer_rubrics(db, settings):
    settings.EMBEDDED = False  # tracks and rubrics only, no demo accounts
    call_command("load_demo")
    track = Track.objects.get(slug="ai-ml-engineer")
    assert Rubric.objects.filter(phase__track=track, key_action=None).count() == 5


def _texts(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)
    elif isinstance(node, str):
        yield node


def test_the_track_file_keeps_each_paragraph_on_one_line():
    data = yaml.safe_load(TRACK_FILE.read_text(encoding="utf-8"))
    for text in _texts(data):
        prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
        for paragraph in prose.strip().split("\n\n"):
            assert "\n" not in paragraph.strip(), paragraph
