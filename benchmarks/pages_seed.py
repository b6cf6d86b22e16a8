"""Seeding for benchmarks/pages.py (runs in a child process, with Django set up on the
benchmark database): per learner an active enrollment, ~22 graded attempts of 10 answers,
~22 card reviews with their card states, mastery estimates, ticks, notifications, and a
submission for every other learner, written by COPY with a progress bar. The measured
learner (learner0) also has a 1,000-message AI conversation and an open attempt.
"""

import random
import sys
from datetime import UTC, datetime, timedelta

from benchmarks.django_env import ROOT

TRACK = ROOT / "tracks" / "content" / "ai-engineering.yaml"
ATTEMPTS_PER_LEARNER = 22  # 217k graded attempts at 10,000 learners
REVIEWS_PER_LEARNER = 22  # 217k card reviews
ANSWERS_PER_ATTEMPT = 10  # 2.2M answers
CONVERSATION_MESSAGES = 1_000


def progress(label: str, done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    sys.stderr.write(f"\r  {label:<28} [{'#' * filled}{'.' * (width - filled)}] {done:>9,}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def copy_rows(model, rows, *, total: int, label: str) -> None:
    """COPY dict rows into the model's table; fields a row leaves out take their default, so
    a new column with a default needs no change here."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    defaults = {f.attname: f.get_default() for f in fields}
    done = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            values = {**defaults, **row}
            copy.write_row([f.get_db_prep_value(values[f.attname], connection) for f in fields])
            done += 1
            if done % 20_000 == 0:
                progress(label, done, total)
    progress(label, total, total)


def seed(learners: int) -> None:
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from accounts.models import User
    from ai_mentor.models import MentorConversation, MentorMessage
    from mentors.models import MentorProfile, Submission, SubmissionRound
    from quizzes.models import Attempt, CardState, Question, Response, ReviewLog, SkillMastery
    from reminders.models import Notification
    from tracks import services as track_services
    from tracks.models import Enrollment, KeyActionProgress, PhaseProgress, Track
    from tracks.trackfile import import_track_files

    rng = random.Random(7)
    now = datetime.now(UTC)
    password = make_password("benchmark-password")
    staff = User.objects.create(email="staff@bench.example", password=password, is_staff=True)
    MentorProfile.objects.create(user=staff, is_fallback_reviewer=True)
    import_track_files([TRACK])
    track = Track.objects.get(slug="ai-engineering")
    mentor = User.objects.create(email="mentor@bench.example", password=password)
    MentorProfile.objects.create(user=mentor).tracks.add(track)

    phase = track.phases.order_by("order").first()
    quiz = phase.quiz
    questions = list(
        Question.objects.filter(quiz=quiz, pool=Question.Pool.ASSESSMENT)
        .prefetch_related("choices")
        .order_by("pk")
    )
    cards = list(phase.deck.cards.order_by("pk"))
    skills = list(track.skills.order_by("pk"))
    evidence_action = phase.key_actions.filter(needs_evidence=True).first()

    with transaction.atomic():
        users = User.objects.bulk_create(
            User(email=f"learner{i}@bench.example", password=password) for i in range(learners)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
        )
        # The first learner enrolls through the service; the others copy their plan.
        first = users[0]
        goals = track_services.GoalsInput(
            track=track,
            background="software-engineer",
            hours_per_week=10,
            time_zone="Europe/Paris",
            target_date=None,
            skills=(),
        )
        track_services.save_goals(learner=first, goals=goals, now=now - timedelta(days=90))
        template = Enrollment.objects.get(learner=first)
        fields = {
            f.attname: getattr(template, f.attname)
            for f in Enrollment._meta.concrete_fields
            if f.attname not in {"id", "learner_id"}
        }
        Enrollment.objects.bulk_create(Enrollment(**{**fields, "learner": u}) for u in users[1:])
        enrollments = dict(Enrollment.objects.values_list("learner_id", "pk"))
        template_progress = list(PhaseProgress.objects.filter(enrollment=template))
        PhaseProgress.objects.bulk_create(
            PhaseProgress(
                enrollment_id=enrollments[u.pk],
                phase_id=p.phase_id,
                state=p.state,
                unlocked_at=p.unlocked_at,
            )
            for u in users[1:]
            for p in template_progress
        )
        template_ticks = list(KeyActionProgress.objects.filter(enrollment=template))
        KeyActionProgress.objects.bulk_create(
            KeyActionProgress(enrollment_id=enrollments[u.pk], key_action_id=t.key_action_id)
            for u in users[1:]
            for t in template_ticks
        )
        first_action = phase.key_actions.order_by("order").first()
        KeyActionProgress.objects.filter(key_action=first_action).update(ticked_at=now)
        progress("learners and enrollments", learners, learners)

        attempts_total = learners * ATTEMPTS_PER_LEARNER
        started = now - timedelta(days=60)

        def attempt_rows():
            for u in users:
                for n in range(ATTEMPTS_PER_LEARNER):
                    at = started + timedelta(hours=n * 50 + rng.random())
                    correct = rng.randint(3, ANSWERS_PER_ATTEMPT)
                    yield {
                        "learner_id": u.pk,
                        "quiz_id": quiz.pk,
                        "seed": rng.getrandbits(40),
                        "state": Attempt.State.GRADED,
                        "started_at": at,
                        "graded_at": at + timedelta(minutes=12),
                        "question_count": ANSWERS_PER_ATTEMPT,
                        "correct_count": correct,
                        "score": correct * 100 // ANSWERS_PER_ATTEMPT,
                        "passed": correct * 100 // ANSWERS_PER_ATTEMPT >= quiz.pass_mark,
                    }

        copy_rows(Attempt, attempt_rows(), total=attempts_total, label="graded attempts")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, started_at FROM quizzes_attempt WHERE quiz_id = %s", [quiz.pk]
            )
            attempts = cursor.fetchall()

        def response_rows():
            for attempt_id, at in attempts:
                for order, question in enumerate(
                    rng.sample(questions, min(ANSWERS_PER_ATTEMPT, len(questions))), start=1
                ):
                    choices = list(question.choices.all())
                    picked = [rng.choice(choices).pk] if choices else []
                    yield {
                        "attempt_id": attempt_id,
                        "question_id": question.pk,
                        "order": order,
                        "selected": picked,
                        "text": "" if choices else "42",
                        "answered_at": at + timedelta(minutes=order),
                        "correct": rng.random() < 0.7,
                    }

        copy_rows(
            Response,
            response_rows(),
            total=len(attempts) * min(ANSWERS_PER_ATTEMPT, len(questions)),
            label="answers",
        )

        def review_rows():
            for u in users:
                for n in range(REVIEWS_PER_LEARNER):
                    at = started + timedelta(hours=n * 48 + rng.random())
                    yield {
                        "learner_id": u.pk,
                        "card_id": cards[n % len(cards)].pk,
                        "rating": rng.choice([2, 3, 3, 3, 4]),
                        "reviewed_at": at,
                        "state_before": 2,
                        "due_after": at + timedelta(days=rng.randint(1, 20)),
                        "duration_ms": rng.randint(2_000, 20_000),
                    }

        copy_rows(ReviewLog, review_rows(), total=learners * REVIEWS_PER_LEARNER, label="reviews")

        def card_state_rows():
            for u in users:
                for card in cards:
                    last = now - timedelta(days=rng.randint(1, 20))
                    yield {
                        "learner_id": u.pk,
                        "card_id": card.pk,
                        "state": 2,
                        "stability": rng.uniform(1, 30),
                        "difficulty": rng.uniform(3, 8),
                        "due": now + timedelta(days=rng.randint(-3, 20)),
                        "last_review": last,
                        "reps": rng.randint(1, 5),
                        "created_at": last - timedelta(days=10),
                    }

        copy_rows(CardState, card_state_rows(), total=learners * len(cards), label="card states")
        copy_rows(
            SkillMastery,
            (
                {
                    "learner_id": u.pk,
                    "skill_id": s.pk,
                    "p_known": rng.uniform(0.2, 0.99),
                    "responses": 12,
                    "distinct_questions": 6,
                    "updated_at": now,
                }
                for u in users
                for s in skills
            ),
            total=learners * len(skills),
            label="mastery estimates",
        )
        copy_rows(
            Notification,
            (
                {
                    "user_id": u.pk,
                    "kind": "cards_due",
                    "title": "Cards are due",
                    "body": "A few cards are due today.",
                    "url": "/learn/review/",
                    "created_at": now - timedelta(days=d),
                }
                for u in users
                for d in range(5)
            ),
            total=learners * 5,
            label="notifications",
        )

        if evidence_action is not None:
            # One in five waits for the mentor (the first learner's does); the rest approved.
            states = [Submission.State.SUBMITTED] + [Submission.State.APPROVED] * 4
            Submission.objects.bulk_create(
                (
                    Submission(
                        learner=u,
                        key_action=evidence_action,
                        phase=phase,
                        track=track,
                        state=states[i % len(states)],
                        submitted_at=now - timedelta(hours=rng.randint(1, 400)),
                    )
                    for i, u in enumerate(users[::2])
                ),
                batch_size=2_000,
            )
            rounds = [
                SubmissionRound(
                    submission=s,
                    number=1,
                    url="https://github.com/bench/project",
                    writeup="I trained a classifier, evaluated it with cross-validation and "
                    "wrote up what I learned about leakage and baselines.",
                    submitted_at=s.submitted_at,
                )
                for s in Submission.objects.filter(track=track)
            ]
            SubmissionRound.objects.bulk_create(rounds, batch_size=2_000)
            progress("submissions", len(rounds), len(rounds))

        conversation = MentorConversation.objects.create(learner=first, phase=phase)
        MentorMessage.objects.bulk_create(
            MentorMessage(
                conversation=conversation,
                role=MentorMessage.Role.LEARNER if n % 2 == 0 else MentorMessage.Role.MENTOR,
                text=(
                    "Why does fitting a scaler before cross-validation leak data?"
                    if n % 2 == 0
                    else "Because the held-out fold's statistics shape the training data."
                ),
                created_at=now - timedelta(minutes=CONVERSATION_MESSAGES - n),
            )
            for n in range(CONVERSATION_MESSAGES)
        )
    reset_measured_learner(now=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def reset_measured_learner(*, now: datetime | None = None) -> None:
    """The measured learner as seeded, so a reused database measures what a fresh one does:
    their conversation holds its seeded messages only (a run's AI asks add theirs), and they
    have an open attempt (a run's attempt expires; it was graded when viewed)."""
    import django

    django.setup()
    from django.db.models import F

    from accounts.models import User
    from ai_mentor.models import MentorMessage
    from quizzes.models import FRESH_WINDOW, Attempt
    from quizzes.services import start_attempt
    from tracks.models import Track

    now = now or datetime.now(UTC)
    first = User.objects.get(email="learner0@bench.example")
    seeded = MentorMessage.objects.filter(conversation__learner=first).order_by("id")
    kept = list(
        seeded.values_list("id", flat=True)[CONVERSATION_MESSAGES - 1 : CONVERSATION_MESSAGES]
    )
    if kept:
        seeded.filter(id__gt=kept[0]).delete()
    # A new open attempt, drawn by the service like any other; the learner's attempts are
    # closed and moved out of the fresh-items window and the quiz's limits first (they saw
    # the whole bank).
    attempts = Attempt.objects.filter(learner=first)
    attempts.filter(state=Attempt.State.IN_PROGRESS).update(
        state=Attempt.State.GRADED, score=0, passed=False, graded_at=now
    )
    attempts.update(
        started_at=F("started_at") - FRESH_WINDOW, graded_at=F("graded_at") - FRESH_WINDOW
    )
    quiz = Track.objects.get(slug="ai-engineering").phases.order_by("order").first().quiz
    start_attempt(learner=first, quiz=quiz, now=now)
