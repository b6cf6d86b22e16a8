"""`manage.py check_content`: is every phase measurable, and is the prose unwrapped?"""

import copy
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tracks.content_check import longest_choice_is_right
from tracks.trackfile import dump_yaml

pytestmark = pytest.mark.usefixtures("fallback_reviewer")


def question(i: int, pool: str = "assessment", skill: str = "python") -> dict:
    return {
        "key": f"{pool}-{i}",
        "kind": "single",
        "pool": pool,
        "skills": [skill],
        "prompt": f"Question {i}?",
        # The wrong choice is the longer one: picking the longest choice never passes.
        "choices": [{"text": "Yes", "correct": True}, {"text": "No, not at all"}],
    }


def phase(order: int, **overrides) -> dict:
    data = {
        "order": order,
        "slug": f"phase-{order}",
        "title": f"Phase {order}",
        "min_weeks": 1,
        "max_weeks": 2,
        "key_actions": [{"order": 1, "text": "Ship it", "needs_evidence": True}],
        "resources": [
            {"kind": "course", "title": "A course"},
            {"kind": "book", "title": "A book"},
        ],
        "quiz": {
            "title": "Check",
            "questions_per_attempt": 2,
            "questions": [question(i) for i in range(6)]
            + [question(i, "practice") for i in range(6)],
        },
        "deck": {
            "title": "Cards",
            "cards": [{"key": f"c{i}", "front": f"Front {i}", "back": "Back."} for i in range(12)],
        },
        "rubric": {
            "title": "Rubric",
            "criteria": [
                {
                    "title": "Works",
                    "pass_level": 2,
                    "levels": [{"score": 1, "label": "Not yet"}, {"score": 2, "label": "Solid"}],
                }
            ],
        },
        "gate": [
            {"kind": "quiz_score"},
            {"kind": "skill_mastery"},
            {"kind": "card_retention"},
            {"kind": "evidence_approved"},
        ],
    }
    data.update(overrides)
    return data


def track(*phases: dict, status: str = "published") -> dict:
    return {
        "format": 1,
        "track": {
            "slug": "tiny",
            "title": "Tiny",
            "summary": "Small.",
            "target_role": "AI Engineer",
            "difficulty": "beginner",
            "typical_duration": "1 month",
            "status": status,
            "description": "One paragraph.\n\nAnother paragraph, on one line.\n",
        },
        "skills": [{"slug": "python", "name": "Python"}],
        "phases": list(phases),
    }


def run(tmp_path: Path, data: dict) -> tuple[str, str | None]:
    path = tmp_path / "tiny.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    out = StringIO()
    try:
        call_command("check_content", str(path), stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


def test_a_track_whose_phases_meet_every_rule_passes(tmp_path):
    out, error = run(tmp_path, track(phase(1), phase(2, on_the_job=True)))
    assert error is None, out
    assert "assessment bank: 6 of 6 needed (3 x 2 per attempt)" in out
    assert "questions per skill (need 4): python 6" in out
    assert "longest-choice guess: right on 0 assessment questions, fewer than the 2 of 2" in out
    assert out.strip().endswith("2 of 2 phases measurable; 0 hard-wrapped texts")


SHORTFALLS = {
    "few practice": ("practice", "practice: 5 of 6"),
    "few cards": ({"deck": {"title": "D", "cards": []}}, "cards: 0 of 12"),
    "one resource": ({"resources": [{"kind": "book", "title": "B"}]}, "resources: 1 of 2"),
    "no rubric": ({"rubric": None}, "rubric: none for 1 key action needing evidence"),
    "no mastery gate": (
        {
            "gate": [
                {"kind": "quiz_score"},
                {"kind": "card_retention"},
                {"kind": "evidence_approved"},
            ]
        },
        "missing skill_mastery",
    ),
    "thin skill": ("skill", "docker 3"),
}


@pytest.mark.parametrize("case", list(SHORTFALLS), ids=list(SHORTFALLS))
def test_a_published_track_that_falls_short_fails_and_says_why(tmp_path, case):
    change, message = SHORTFALLS[case]
    short = phase(1)
    if change == "practice":
        short["quiz"]["questions"].pop()
    elif change == "skill":
        for q in short["quiz"]["questions"][:3]:
            q["skills"] = ["docker"]
    else:
        short.update(change)
        short = {k: v for k, v in short.items() if v is not None}
    data = track(short, phase(2))
    data["skills"].append({"slug": "docker", "name": "Docker"})
    out, error = run(tmp_path, data)
    assert message in out
    assert "Phase 1 · Phase 1: NOT measurable" in out
    assert "1 of 2 phases measurable" in out
    assert error == "Published tracks falling short: tiny."


def test_a_quiz_keyed_on_its_longest_choices_fails_and_says_what_to_change(tmp_path):
    guessable = phase(1)
    questions = guessable["quiz"]["questions"]
    for q in questions[:3]:  # 3 right by the longest choice; a draw of 2 of them passes
        q["choices"] = [{"text": "No"}, {"text": "Yes, always", "correct": True}]
    out, error = run(tmp_path, track(guessable, phase(2)))
    assert (
        "SHORT longest-choice guess: right on 3 assessment questions "
        "(assessment-0, assessment-1, assessment-2), so a learner who always picks the longest "
        "choice passes a lucky draw (2 of 2 right) without knowing anything. On at least 2 of "
        "them, make a wrong choice the longest or word the right one more briefly"
    ) in out
    assert "1 of 2 phases measurable" in out
    assert error == "Published tracks falling short: tiny."


@pytest.mark.parametrize(
    ("kind", "choices", "right"),
    [
        ("single", [("No", False), ("Yes, always", True)], True),
        ("single", [("Yes, always", False), ("No", True)], False),
        # A tie goes to the first of the longest, in file order.
        ("single", [("Yes", True), ("Not", False)], True),
        ("single", [("Not", False), ("Yes", True)], False),
        # "Select all that apply": selecting every choice is right only when all are.
        ("multiple", [("A", True), ("B", True)], True),
        ("multiple", [("A", True), ("B, the longest", True), ("C", False)], False),
        ("numeric", [], False),
    ],
)
def test_the_longest_choice_is_right_only_where_picking_it_scores(kind, choices, right):
    question = {"kind": kind, "choices": [{"text": t, "correct": c} for t, c in choices]}
    assert longest_choice_is_right(question) is right


def test_hard_wrapped_prose_is_flagged_and_fails_a_published_track(tmp_path):
    wrapped = phase(1, description="A paragraph wrapped\nover two lines.\n")
    out, error = run(tmp_path, track(wrapped))
    assert "WRAP  1 hard-wrapped: phases[0].description" in out
    assert out.strip().endswith("1 of 1 phases measurable; 1 hard-wrapped text")
    assert error is not None


def test_a_draft_that_falls_short_is_reported_without_failing(tmp_path):
    out, error = run(
        tmp_path, track(phase(1, deck=None) | {"deck": {"title": "D"}}, status="draft")
    )
    assert "cards: 0 of 12" in out and "(tiny, draft)" in out
    assert error is None


def test_an_unreadable_file_is_refused_with_its_name(tmp_path):
    data = copy.deepcopy(track(phase(1)))
    data["phases"][0]["quiz"]["questions"][0]["skills"] = ["dokcer"]
    _, error = run(tmp_path, data)
    assert "tiny.yaml" in error and "unknown skill 'dokcer'" in error


@pytest.mark.django_db
def test_it_checks_the_tracks_in_the_database(tmp_path):
    from tracks.trackfile import import_track_specs, parse_track_file

    import_track_specs([parse_track_file(dump_yaml(track(phase(1))), name="tiny.yaml")])
    out = StringIO()
    call_command("check_content", "--database", stdout=out)
    assert "Tiny (tiny, published): 1 of 1 phases measurable" in out.getvalue()


def test_a_bank_too_small_for_fresh_draws_is_refused_before_any_check(tmp_path):
    short = phase(1)
    short["quiz"] = {
        "title": "Q",
        "questions_per_attempt": 2,
        "questions": [question(i) for i in range(5)] + [question(i, "practice") for i in range(6)],
    }
    _, error = run(tmp_path, track(short, phase(2)))
    # The authoring rule of fresh draws (3 x per attempt) refuses the file itself.
    assert error is not None
    assert 'quiz "Q" draws 2 questions per attempt' in error
    assert "at least 6 assessment questions (3 x 2); its bank has 5" in error
