"""A small world with one of everything a URL can point at, owned by one learner, and the
six personas of the access matrix and the fuzz tests (the `world` fixture builds it)."""

from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from ai_mentor import services as ai_services
from ai_mentor.practice import grade_practice
from mentors import services as mentor_services
from mentors.models import MentorProfile, Submission, SubmissionFile
from quizzes import services as quiz_services
from quizzes.models import Attempt, Question
from reminders.models import Notification
from reminders.preferences import unsubscribe_token
from tests.factories import build_deck, build_quiz, build_track, enroll, single, verified_user
from tracks import services as track_services
from tracks.models import Enrollment, KeyActionProgress, Track

PERSONAS = ("anonymous", "learner", "other_learner", "mentor_elsewhere", "mentor", "admin")


@dataclass
class World:
    track: Track
    phase: object
    enrollment: Enrollment
    key_action_progress: KeyActionProgress
    calendar_token: str
    quiz: object
    attempt: Attempt
    deck: object
    card: object
    resource: object
    evidence_key_action: object
    submission: Submission
    stored_file: SubmissionFile
    conversation: object
    practice_question: Question
    practice_answer: object
    notification: Notification
    unsubscribe_token: str
    users: dict[str, User | None]


def small_track() -> Track:
    """Two phases; phase 1 has a quiz (with a practice question), a deck, a resource and a
    key action that needs evidence. Built with factories: importing a seed track costs ~10 s."""
    track = build_track(phases=2, actions_per_phase=2, title="Security Track")
    phase = track.phases.get(order=1)
    phase.key_actions.filter(order=1).update(needs_evidence=True)
    quiz = build_quiz(phase=phase, questions=3, per_attempt=3)
    single(quiz, pool=Question.Pool.PRACTICE)
    build_deck(phase=phase, cards=2)
    return track


def build_world(settings) -> World:
    """One of everything, owned by one learner, and the personas' users."""
    settings.EDIRAE_AI_BACKEND = "local"
    track = small_track()
    phase = track.phases.order_by("order").first()
    learner = verified_user("owner@test.example")
    other = verified_user("other@test.example")
    mentor = verified_user("mentor@test.example")
    MentorProfile.objects.create(user=mentor).tracks.add(track)
    elsewhere = verified_user("mentor-elsewhere@test.example")
    MentorProfile.objects.create(user=elsewhere).tracks.add(
        build_track(phases=1, actions_per_phase=1, title="Elsewhere")
    )
    admin = verified_user("root@test.example", is_staff=True, is_superuser=True)

    enrollment = enroll(learner, track, time_zone="UTC")
    enroll(other, track, time_zone="UTC")
    progress = enrollment.key_action_progress.order_by("key_action__order").first()
    feed = track_services.calendar_feed(learner=learner)

    quiz = phase.quiz
    attempt = quiz_services.start_attempt(learner=learner, quiz=quiz)
    deck = phase.deck
    quiz_services.study_deck(learner=learner, deck=deck)
    card = deck.cards.order_by("order").first()
    resource = phase.resources.first()

    evidence_action = track.phases.filter(key_actions__needs_evidence=True).first()
    evidence_action = evidence_action.key_actions.filter(needs_evidence=True).first()
    submission = mentor_services.submit_evidence(
        learner=learner,
        key_action=evidence_action,
        evidence=mentor_services.Evidence(
            url="https://github.com/owner/project",
            writeup="A small **service** with tests.",
            files=[SimpleUploadedFile("notes.txt", b"my notes", content_type="text/plain")],
        ),
    )
    stored = SubmissionFile.objects.filter(round__submission=submission).first()

    ai_services.ask(learner=learner, phase=phase, question="How do I deploy a model?")
    conversation = learner.ai_conversations.first()
    practice_question = Question.objects.filter(
        quiz__phase__track=track, pool=Question.Pool.PRACTICE
    ).first()
    practice_answer = grade_practice(
        learner=learner, question=practice_question, selected=[], text="42"
    )
    notification = Notification.objects.create(
        user=learner, kind="test", title="Hello", url="/", created_at=timezone.now()
    )
    return World(
        track=track,
        phase=phase,
        enrollment=enrollment,
        key_action_progress=progress,
        calendar_token=feed.token,
        quiz=quiz,
        attempt=attempt,
        deck=deck,
        card=card,
        resource=resource,
        evidence_key_action=evidence_action,
        submission=submission,
        stored_file=stored,
        conversation=conversation,
        practice_question=practice_question,
        practice_answer=practice_answer,
        notification=notification,
        unsubscribe_token=unsubscribe_token(user_id=learner.pk, kinds=["cards_due"]),
        users={
            "anonymous": None,
            "learner": learner,
            "other_learner": other,
            "mentor_elsewhere": elsewhere,
            "mentor": mentor,
            "admin": admin,
        },
    )
