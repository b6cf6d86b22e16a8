"""The Senior ML Engineer ladder is measurable at every level: scenario quizzes large enough for
fresh draws, decks, resources, evidence actions with a rubric, and gates that rest on them."""

from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from mentors.models import Rubric
from quizzes.models import Question
from quizzes.services import is_correct
from tracks.models import Track
from tracks.trackfile import import_track_files

ROOT = Path(settings.BASE_DIR)
TRACK_FILE = ROOT / "tracks" / "content" / "senior-ml-engineer.yaml"
# The levels where part of the work is still study: their gates also ask for mastery and cards.
PARTLY_STUDY = {"junior-ml-engineer", "ml-engineer", "senior-ml-engineer"}

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fallback_reviewer")]


@pytest.fixture
def ladder() -> Track:
    import_track_files([TRACK_FILE])
    return Track.objects.get(slug="senior-ml-engineer")


def phases(track: Track):
    return track.phases.order_by("order").prefetch_related(
        "quiz__questions__skills", "quiz__questions__choices", "deck__cards", "resources"
    )


def test_every_level_has_a_quiz_bank_for_fresh_draws_on_every_skill_it_measures(ladder):
    for phase in phases(ladder):
        quiz = phase.quiz
        active = [q for q in quiz.questions.all() if q.is_active]
        assessment = [q for q in active if q.pool == Question.Pool.ASSESSMENT]
        practice = [q for q in active if q.pool == Question.Pool.PRACTICE]
        assert quiz.questions_per_attempt == 8, phase.slug
        assert quiz.pass_mark == 80 and quiz.cooldown_minutes and quiz.attempts_per_day
        assert len(assessment) >= 3 * quiz.questions_per_attempt, phase.slug
        assert len(practice) >= 6, phase.slug
        per_skill = Counter(s.slug for q in assessment for s in q.skills.all())
        assert per_skill and min(per_skill.values()) >= 4, (phase.slug, per_skill)
        assert {q.kind for q in assessment} == {"single", "multiple", "numeric", "short"}
        assert all(q.explanation.strip() and q.skills.exists() for q in active), phase.slug


def test_every_level_has_a_deck_resources_and_work_a_mentor_must_see(ladder):
    for phase in phases(ladder):
        assert phase.deck.cards.filter(is_active=True).count() >= 12, phase.slug
        assert phase.resources.count() >= 2, phase.slug
        assert phase.key_actions.filter(needs_evidence=True).count() >= 3, phase.slug


def test_every_gate_rests_on_the_quiz_and_on_approved_work(ladder):
    for phase in phases(ladder):
        gate = {c.kind: c.params for c in phase.gate_criteria.all()}
        assert gate["quiz_score"] == {"threshold": 80}
        assert gate["evidence_approved"]["count"] >= 2
        assert "key_actions_done" in gate
        partly_study = {"skill_mastery", "card_retention"} <= set(gate)
        assert partly_study == (phase.slug in PARTLY_STUDY), phase.slug
    senior = ladder.phases.get(slug="senior-ml-engineer")
    assert senior.gate_criteria.get(kind="evidence_approved").params == {"count": 3}


def test_the_track_file_gives_every_level_one_rubric_whose_pass_levels_exist(ladder):
    for phase in phases(ladder):
        rubric = Rubric.objects.get(phase=phase, key_action=None)
        criteria = list(rubric.criteria.prefetch_related("levels"))
        assert len(criteria) >= 4, phase.slug
        for criterion in criteria:
            assert criterion.pass_score in {level.score for level in criterion.levels.all()}
    post_mortem = Rubric.objects.get(phase__slug="senior-ml-engineer", phase__track=ladder)
    text = " ".join(f"{c.title} {c.description}" for c in post_mortem.criteria.all()).lower()
    for part in ("timeline", "root cause", "blameless", "owner"):
        assert part in text


def test_every_text_is_stored_as_whole_paragraphs(ladder):
    texts = [ladder.description, ladder.day_in_the_life]
    texts += [f.answer for f in ladder.faqs.all()] + [b.summary for b in ladder.backgrounds.all()]
    for phase in phases(ladder):
        texts.append(phase.description)
        for q in phase.quiz.questions.all():
            texts += [q.prompt, q.explanation]
        texts += [c.back for c in phase.deck.cards.all()]
    for text in texts:
        for paragraph in text.strip().split("\n\n"):
            if "```" not in paragraph:
                assert "\n" not in paragraph, paragraph[:80]


def test_the_backgrounds_say_where_their_months_come_from(ladder):
    backgrounds = {b.slug: b for b in ladder.backgrounds.all()}
    assert set(backgrounds) >= {"software-engineer", "data-scientist", "ml-researcher"}
    for background in backgrounds.values():
        assert "seed 00" in background.summary, background.slug
        # Every background but the newcomer's brings skills; the newcomer's brings none.
        assert background.covers_skills.exists() == (background.slug != "newcomer"), background.slug
        assert background.transferable and background.gaps


def test_the_keyed_answer_of_every_question_is_graded_right(ladder):
    for phase in phases(ladder):
        for q in phase.quiz.questions.all():
            correct = [c.pk for c in q.choices.all() if c.correct]
            text = f"{q.answer:g}" if q.kind == "numeric" else (q.accepted or [""])[0]
            assert is_correct(question=q, selected=correct, text=text), q.key
            if q.kind == "numeric" and abs(q.answer) >= 1000:
                # "30,000" would read as 30.0: the prompt must say to leave separators out.
                assert "without thousands separators" in q.prompt.replace("units or ", ""), q.key
