"""Cached gate reports: a page never shows a gate older than the evidence, and `advance`
never trusts the cache.

Each test reads the report once (so it is cached), records evidence the way the site does
(through the services), and reads it again: the new state must show at once.
"""

from datetime import timedelta

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from mentors import services as mentor_services
from mentors.models import MentorProfile
from quizzes import services as quiz_services
from quizzes.models import Attempt, CardState
from tests.factories import build_deck, enroll, verified_user
from tracks import gates, progression, services
from tracks.models import Enrollment, KeyActionProgress, PhaseProgress

State = PhaseProgress.State


# track, phase1 and quiz: the gate tests' fixtures (tests/tracks/conftest.py).


def fresh(enrollment):
    """The enrollment as the next request reads it (its evidence version included)."""
    return Enrollment.objects.select_related("track").get(pk=enrollment.pk)


def shown(enrollment, kind):
    """The criterion of `kind` as a page shows it now."""
    report = progression.current_report(enrollment=fresh(enrollment))
    return next(r for r in report.results if r.kind == kind)


def take_quiz(learner, quiz, *, right: bool):
    attempt = quiz_services.start_attempt(learner=learner, quiz=quiz)
    answers = {
        r.order: quiz_services.Answer(
            selected=[c.pk for c in r.question.choices.all() if c.correct is right][:1], text=""
        )
        for r in attempt.responses.select_related("question").prefetch_related("question__choices")
    }
    quiz_services.save_answers(attempt=attempt, answers=answers)
    return quiz_services.grade_attempt(attempt=attempt)


def test_a_second_view_reads_the_report_from_the_cache(
    learner, track, phase1, quiz, django_assert_max_num_queries
):
    services.set_gate(phase=phase1, criteria=[("quiz_score", {}), ("key_actions_done", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    progression.current_report(enrollment=fresh(enrollment))
    enrollment = fresh(enrollment)
    # The open phase (1); the report comes from the cache, no criterion query.
    with django_assert_max_num_queries(1):
        report = progression.current_report(enrollment=enrollment)
    assert [r.kind for r in report.results] == ["quiz_score", "key_actions_done"]


def test_a_graded_quiz_shows_at_once(
    learner, track, phase1, quiz, django_capture_on_commit_callbacks
):
    services.set_gate(phase=phase1, criteria=[("quiz_score", {}), ("evidence_approved", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    assert shown(enrollment, "quiz_score").current == "no attempt"
    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(learner, quiz, right=True)
    assert shown(enrollment, "quiz_score").current == "100 %"


def test_new_skill_evidence_shows_at_once(
    learner, track, phase1, quiz, django_capture_on_commit_callbacks
):
    services.set_gate(phase=phase1, criteria=[("skill_mastery", {}), ("evidence_approved", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    before = shown(enrollment, "skill_mastery").evidence["skills"][0]["responses"]
    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(learner, quiz, right=False)
    after = shown(enrollment, "skill_mastery").evidence["skills"][0]["responses"]
    assert (before, after) == (0, 3)


def test_a_card_review_shows_at_once(
    learner, track, phase1, quiz, django_capture_on_commit_callbacks
):
    deck = build_deck(phase=phase1, cards=3)
    services.set_gate(phase=phase1, criteria=[("quiz_score", {}), ("card_retention", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    assert shown(enrollment, "card_retention").evidence["studied"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        quiz_services.review_card(
            learner=learner, card=deck.cards.first(), rating=3, expected_reps=0
        )
    assert shown(enrollment, "card_retention").evidence["studied"] == 1


def test_a_tick_and_an_untick_show_at_once(learner, track, phase1, quiz):
    services.set_gate(phase=phase1, criteria=[("quiz_score", {}), ("key_actions_done", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    assert shown(enrollment, "key_actions_done").current == "0 of 2"
    row = KeyActionProgress.objects.select_related("enrollment", "key_action").filter(
        enrollment=enrollment
    )[0]
    services.set_key_action_done(progress=row, done=True)
    assert shown(enrollment, "key_actions_done").current == "1 of 2"
    services.set_key_action_done(progress=row, done=False)
    assert shown(enrollment, "key_actions_done").current == "0 of 2"


def test_sending_and_approving_evidence_show_at_once(
    learner, track, phase1, quiz, django_capture_on_commit_callbacks
):
    services.set_gate(phase=phase1, criteria=[("quiz_score", {}), ("evidence_approved", {})])
    mentor = verified_user("mentor@test.example")
    MentorProfile.objects.create(user=mentor).tracks.add(track)
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    assert shown(enrollment, "evidence_approved").evidence["waiting"] == 0
    submission = mentor_services.submit_evidence(
        learner=learner,
        key_action=phase1.key_actions.get(order=1),
        evidence=mentor_services.Evidence(
            url="https://github.com/learner/project", writeup="I built it.", note=""
        ),
    )
    assert shown(enrollment, "evidence_approved").evidence["waiting"] == 1
    mentor_services.claim(submission=submission, mentor=mentor)
    with django_capture_on_commit_callbacks(execute=True):
        mentor_services.review(
            submission=submission,
            mentor=mentor,
            verdict="approve",
            feedback="Good",
            levels={},
            rubric=None,
        )
    assert shown(enrollment, "evidence_approved").current == "1 approved"


def test_an_exemption_shows_the_next_phases_gate(learner, staff, track, phase1, quiz):
    services.set_gate(phase=phase1, criteria=[("quiz_score", {})])
    phase2 = track.phases.get(order=2)
    services.set_gate(phase=phase2, criteria=[("evidence_approved", {}), ("key_actions_done", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    assert progression.current_report(enrollment=fresh(enrollment)).phase == phase1
    progression.grant_exemption(enrollment=enrollment, phase=phase1, staff=staff, reason="Exam.")
    report = progression.current_report(enrollment=fresh(enrollment))
    assert report.phase == phase2 and len(report.results) == 2


def test_a_changed_gate_shows_at_once(learner, track, phase1, quiz):
    services.set_gate(phase=phase1, criteria=[("quiz_score", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    assert shown(enrollment, "quiz_score").required == "80 %"
    services.set_gate(phase=phase1, criteria=[("quiz_score", {"threshold": 60})])
    assert shown(enrollment, "quiz_score").required == "60 %"


def test_an_authors_edit_of_a_deck_shows_at_once(learner, track, phase1, quiz):
    deck = build_deck(phase=phase1, cards=3)
    services.set_gate(phase=phase1, criteria=[("quiz_score", {}), ("card_retention", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    assert shown(enrollment, "card_retention").evidence["total"] == 3
    card = deck.cards.first()
    card.is_active = False
    card.save()  # as the admin saves it
    assert shown(enrollment, "card_retention").evidence["total"] == 2


def test_a_card_falling_due_is_not_hidden_by_the_cache(learner, track, phase1, quiz):
    deck = build_deck(phase=phase1, cards=1)
    services.set_gate(phase=phase1, criteria=[("quiz_score", {}), ("card_retention", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    now = timezone.now()
    CardState.objects.create(
        learner=learner,
        card=deck.cards.get(),
        state=CardState.State.REVIEW,
        stability=5,
        difficulty=5,
        due=now + timedelta(hours=1),
        last_review=now,
        reps=1,
    )
    report = progression.report_for(enrollment=fresh(enrollment), phase=phase1, now=now)
    assert report.results[1].evidence["due"] == 0
    # An hour later the card is due: the cached report is not served past that moment.
    CardState.objects.update(due=now - timedelta(minutes=1))  # the clock moved (a test shortcut)
    later = now + timedelta(hours=1, seconds=1)
    report = progression.report_for(enrollment=fresh(enrollment), phase=phase1, now=later)
    assert report.results[1].evidence["due"] == 1


def test_the_report_follows_the_viewers_time_zone(learner, track, phase1, quiz):
    services.set_gate(phase=phase1, criteria=[("quiz_score", {}), ("evidence_approved", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    mentor_services.submit_evidence(
        learner=learner,
        key_action=phase1.key_actions.get(order=1),
        evidence=mentor_services.Evidence(
            url="https://github.com/learner/project", writeup="I built it.", note=""
        ),
    )
    with timezone.override("Pacific/Auckland"):
        far = shown(enrollment, "evidence_approved").sentence
    with timezone.override("America/Los_Angeles"):
        near = shown(enrollment, "evidence_approved").sentence
    assert far != near


def test_advance_never_opens_a_phase_on_a_cached_report(learner, track, phase1, quiz):
    services.set_gate(phase=phase1, criteria=[("quiz_score", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    # A cache that claims the gate is met (stale, forged, from a buggy writer): ignored.
    met = gates.CriterionResult(
        kind="quiz_score",
        label="Quiz score",
        met=True,
        current="100 %",
        required="80 %",
        sentence="",
        progress=1.0,
    )
    enrollment = fresh(enrollment)
    cache.set(
        progression._report_key(enrollment, progression.current_phase(enrollment)), ([met], None)
    )
    assert progression.current_report(enrollment=fresh(enrollment)).met  # the page trusts it
    assert not progression.advance(enrollment=fresh(enrollment)).changed
    assert not progression.advance_and_report(enrollment=fresh(enrollment)).advanced.changed
    assert enrollment.phase_progress.get(phase=phase1).state == State.UNLOCKED


def test_advance_opens_a_phase_a_cached_report_calls_unmet(learner, track, phase1, quiz):
    services.set_gate(phase=phase1, criteria=[("quiz_score", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    assert not progression.current_report(enrollment=fresh(enrollment)).met  # cached: unmet
    # Evidence written behind the services' back (no version moved): advance still sees it.
    Attempt.objects.create(
        learner=learner,
        quiz=quiz,
        seed=1,
        state=Attempt.State.GRADED,
        graded_at=timezone.now(),
        question_count=3,
        correct_count=3,
        score=100,
        passed=True,
    )
    assert [p.order for p in progression.advance(enrollment=fresh(enrollment)).unlocked] == [2]


def test_the_dashboard_shows_new_evidence_at_once(client, learner, track, phase1, quiz):
    services.set_gate(phase=phase1, criteria=[("quiz_score", {}), ("key_actions_done", {})])
    enrollment = enroll(learner, track, background="newcomer", time_zone="UTC")
    client.force_login(learner)
    assert "0 of 2" in client.get(reverse("home")).content.decode()
    row = KeyActionProgress.objects.select_related("enrollment", "key_action").filter(
        enrollment=enrollment
    )[0]
    services.set_key_action_done(progress=row, done=True)
    assert "1 of 2" in client.get(reverse("home")).content.decode()
