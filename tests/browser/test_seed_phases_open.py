"""Phase 1 of each seed track opens on evidence: a learner who has studied honestly (quiz
passed with the right answers, every skill mastered, flashcards recalled weeks apart, key
actions ticked) still waits for a mentor; the mentor approves the evidence against the
phase's rubric from the track file, and the learner sees Phase 2 open.

The study is simulated through the real services, travelling in time (time_machine) so the
quiz cooldowns, the 30-day freshness of questions and the 21-day flashcard gaps are honoured
rather than bypassed. It happens in the past, so the browser part runs at the real time.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
import yaml
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from quizzes import services as quiz_services
from quizzes.models import CardState, Question
from tests.browser.people import claim_first, log_in, score
from tests.factories import PASSWORD, enroll, make_mentor, verified_user
from tracks import progression
from tracks import services as track_services
from tracks.models import KeyActionProgress, PhaseProgress, Track
from tracks.trackfile import import_track_files

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTENT = Path(settings.BASE_DIR) / "tracks" / "content"
SEED_FILES = ["ai-engineering.yaml", "ai-ml-engineer.yaml", "senior-ml-engineer.yaml"]
# An honest learner meets the study criteria in about 7 weeks (the 21-day flashcard gaps take
# longest; mastery takes 3-5 attempts, the later ones after fresh questions return): room to
# spare.
STUDY_DAYS = 120
GOOD = 3


def correct_answer(question: Question) -> quiz_services.Answer:
    """What a learner who knows the material answers, read from the question bank."""
    if question.is_choice:
        return quiz_services.Answer(
            selected=[c.pk for c in question.choices.all() if c.correct], text=""
        )
    if question.kind == Question.Kind.NUMERIC:
        return quiz_services.Answer(selected=[], text=str(question.answer))
    return quiz_services.Answer(selected=[], text=question.accepted[0])


def take_quiz_correctly(learner, quiz) -> bool:
    """One attempt answered right; False when the quiz refuses a start (no fresh questions)."""
    try:
        attempt = quiz_services.start_attempt(learner=learner, quiz=quiz)
    except quiz_services.LearningRefused:
        return False
    responses = attempt.responses.select_related("question").prefetch_related("question__choices")
    quiz_services.save_answers(
        attempt=attempt, answers={r.order: correct_answer(r.question) for r in responses}
    )
    quiz_services.grade_attempt(attempt=attempt)
    return True


def review_due_cards(learner, deck) -> None:
    """Rate every card the schedule brings back today Good, as an honest learner would."""
    now = timezone.now()
    states = {s.card_id: s for s in CardState.objects.filter(learner=learner, card__deck=deck)}
    for card in deck.cards.filter(is_active=True).order_by("pk"):
        state = states.get(card.pk)
        if state is not None and state.due > now:
            continue
        try:
            quiz_services.review_card(
                learner=learner,
                card=card,
                rating=GOOD,
                expected_reps=state.reps if state else 0,
            )
        except quiz_services.LearningRefused:  # a daily cap: the card waits for tomorrow
            continue


def unmet(enrollment, phase) -> list[str]:
    report = progression.evaluate_phase(enrollment=enrollment, phase=phase)
    return [r.kind for r in report.results if not r.met]


def study_phase(learner, track, phase) -> None:
    """Enroll in the past and study phase 1 day by day through the real services until only
    the mentor's approval is missing."""
    start = timezone.now() - timedelta(days=STUDY_DAYS + 1)
    with time_machine.travel(start, tick=False):
        enrollment = enroll(learner, track)
        for progress in KeyActionProgress.objects.filter(
            enrollment=enrollment, key_action__phase=phase
        ):
            track_services.set_key_action_done(progress=progress, done=True)
        quiz_services.study_deck(learner=learner, deck=phase.deck)
    for day in range(STUDY_DAYS):
        with time_machine.travel(start + timedelta(days=day, hours=2), tick=False):
            missing = unmet(enrollment, phase)
            if missing == ["evidence_approved"]:
                return
            if "card_retention" in missing:
                review_due_cards(learner, phase.deck)
            if "quiz_score" in missing or "skill_mastery" in missing:
                # One attempt a day: the cooldown and daily limit are never in the way, and
                # the bank runs out of fresh questions after three; they return 30 days on.
                take_quiz_correctly(learner, phase.quiz)
    pytest.fail(f"After {STUDY_DAYS} days of study, still unmet: {unmet(enrollment, phase)}")


def submit_evidence(page, action_text: str) -> None:
    page.get_by_role("link", name="My evidence", exact=True).click()
    page.get_by_label("Key action").select_option(label=action_text)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Link").fill("https://github.com/learner/phase-one-work")
    page.get_by_label("Write-up").fill(f"What I did for: {action_text}. Results and choices.")
    page.get_by_label("What I want feedback on").fill("Is the evaluation sound?")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#submission-state")).to_have_text("Waiting for a mentor")


@pytest.mark.parametrize("seed_file", SEED_FILES)
def test_phase_one_of_a_seed_track_opens_on_approved_evidence(
    page, mentor_page, fallback_reviewer, seed_file
):
    spec = yaml.safe_load((CONTENT / seed_file).read_text(encoding="utf-8"))
    import_track_files([CONTENT / seed_file])
    track = Track.objects.get(slug=spec["track"]["slug"])
    phase_spec = spec["phases"][0]
    phase = track.phases.get(order=1)
    next_phase = track.phases.get(order=2)
    needed = next(c["count"] for c in phase_spec["gate"] if c["kind"] == "evidence_approved")
    evidence_actions = [a["text"] for a in phase_spec["key_actions"] if a.get("needs_evidence")]
    assert len(evidence_actions) >= needed, "the phase asks for more evidence than it offers"
    learner = verified_user("learner@test.example")
    mentor = make_mentor("mentor@test.example", track)

    study_phase(learner, track, phase)
    assert PhaseProgress.objects.get(phase=next_phase).state == PhaseProgress.State.LOCKED

    # The learner's dashboard: everything but the evidence is met, Phase 2 stays shut.
    log_in(page, learner.email, PASSWORD)
    gate = page.locator("#gate")
    expect(gate).to_contain_text("What opens Phase 2")
    total = len(phase_spec["gate"])
    expect(gate).to_contain_text(f"{total - 1} of {total} criteria met.")
    expect(gate).to_contain_text(f"Evidence: 0 approved; {needed} needed.")

    for action in evidence_actions[:needed]:
        submit_evidence(page, action)

    # The mentor approves each piece against the phase's rubric, at its pass levels.
    log_in(mentor_page, mentor.email, PASSWORD)
    for _ in range(needed):
        claim_first(mentor_page)
        for criterion in phase_spec["rubric"]["criteria"]:
            level = next(lv for lv in criterion["levels"] if lv["score"] == criterion["pass_level"])
            score(
                mentor_page, re.escape(criterion["title"]), f"{level['score']} · {level['label']}"
            )
        mentor_page.get_by_label("Feedback").fill("Meets every criterion of the rubric.")
        mentor_page.get_by_role("button", name="Approve").click()
        expect(mentor_page.get_by_text("Approved. The learner has been told.")).to_be_visible()
    expect(mentor_page.get_by_text("Nothing waiting")).to_be_visible()

    # The learner sees Phase 1 mastered and Phase 2 open.
    page.goto("/")
    expect(page.locator("#moment-title")).to_have_text(
        f"You mastered Phase 1 · {phase_spec['title']}"
    )
    expect(page.get_by_text(f"Now open: Phase 2 · {spec['phases'][1]['title']}")).to_be_visible()
    expect(page.locator("#current-title")).to_have_text(f"Phase 2 · {spec['phases'][1]['title']}")
    assert PhaseProgress.objects.get(phase=next_phase).state == PhaseProgress.State.UNLOCKED
