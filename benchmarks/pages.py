"""Benchmark (not a test): Edirae's main pages under load, as a share of a bare view.

    .venv/bin/python benchmarks/pages.py                   # 1,000 then 10,000 learners
    .venv/bin/python benchmarks/pages.py --reuse           # keep databases seeded earlier
    .venv/bin/python benchmarks/pages.py --scales 10000 --duration 20 --clients 8

For each scale it (re)creates a PostgreSQL database `edirae_pages_<learners>`, migrates it,
imports the AI Engineering seed track and seeds, through COPY, what the issue measured at
10,000 learners: an active enrollment each, ~22 graded attempts of 10 answers (217k
attempts, 2.2M answers), ~22 flashcard reviews with their card states, mastery estimates,
ticks, notifications and one submission for every other learner (some waiting for the
mentor). The measured learner has the same history plus a conversation of 1,000 messages
with the AI mentor and an open attempt; the measured mentor covers the track.

Then it starts gunicorn (2 sync workers), and for each page runs locust headless with a
fixed number of clients for a fixed time: first the baseline, a bare view behind the whole
middleware stack with a logged-in session (`benchmarks/bench_urls.py`), then each page. It
prints rps, p50, p95, the ratio of rps to the baseline's, queries and bytes per page (counted
once through Django's test client), one table per scale. Only ratios from one run mean
something: the machine is shared. The last line is

    pages: worst ratio X.XX (page)

for the largest scale.
"""

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import django_env

ROOT = django_env.ROOT
PYTHON = sys.executable
TRACK = ROOT / "tracks" / "content" / "ai-engineering.yaml"
ATTEMPTS_PER_LEARNER = 22  # 217k graded attempts at 10,000 learners
REVIEWS_PER_LEARNER = 22  # 217k card reviews
ANSWERS_PER_ATTEMPT = 10  # 2.2M answers
CONVERSATION_MESSAGES = 1_000


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1000,10000", help="learner counts, comma separated")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument(
        "--database", default="edirae_pages", help="database name prefix (<prefix>_<learners>)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded earlier")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)  # internal: seed this many
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)  # internal
    return parser.parse_args()


def environment(args: argparse.Namespace, database: str) -> dict[str, str]:
    return {
        **os.environ,
        **django_env.postgres(
            args.server,
            database,
            broker=args.redis,
            DJANGO_SETTINGS_MODULE="benchmarks.bench_settings",
            EDIRAE_AI_REQUESTS_PER_HOUR="1000000",
            STATIC_ROOT=str(ROOT / "var" / "bench-static"),
        ),
    }


# --- Seeding (runs in a child process, with Django set up on the benchmark database) ---------


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
    from mentors.models import (
        MentorConversation,
        MentorMessage,
        MentorProfile,
        Submission,
        SubmissionRound,
    )
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
    # The measured learner's open attempt, drawn by the service like any other. Their seeded
    # attempts are moved out of the fresh-items window first (they saw the whole bank).
    from django.db.models import F

    from quizzes.models import FRESH_WINDOW
    from quizzes.services import start_attempt

    Attempt.objects.filter(learner=first).update(started_at=F("started_at") - FRESH_WINDOW)
    start_attempt(learner=first, quiz=quiz, now=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- Probing (child process): the pages, their sessions, queries and bytes ------------------


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def probe() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from mentors.models import Submission
    from quizzes.models import Attempt
    from tracks.models import Track

    learner = User.objects.get(email="learner0@bench.example")
    mentor = User.objects.get(email="mentor@bench.example")
    track = Track.objects.get(slug="ai-engineering")
    phase = track.phases.order_by("order").first()
    attempt = Attempt.objects.filter(learner=learner, state=Attempt.State.IN_PROGRESS).first()
    submission = Submission.objects.filter(learner=learner).first()
    waiting = Submission.objects.filter(state=Submission.State.SUBMITTED).first()
    csrf = "benchmarkcsrftoken0123456789abcd"  # 32 characters: an unmasked CSRF secret
    as_learner = {"sessionid": session_cookie(learner), "csrftoken": csrf}
    as_mentor = {"sessionid": session_cookie(mentor), "csrftoken": csrf}
    phase_args = [track.slug, phase.slug]
    pages = [
        ("bare view (baseline)", "GET", "/bench/bare/", as_learner, {}, False),
        ("dashboard", "GET", reverse("home"), as_learner, {}, False),
        ("track page", "GET", reverse("tracks:detail", args=[track.slug]), as_learner, {}, False),
        ("phase page", "GET", reverse("quizzes:phase", args=phase_args), as_learner, {}, False),
        ("quiz attempt", "GET", reverse("quizzes:attempt", args=[attempt.pk]), as_learner, {}, 0),
        ("card review", "GET", reverse("quizzes:review"), as_learner, {}, False),
        ("my evidence", "GET", reverse("mentors:my_submissions"), as_learner, {}, False),
        ("evidence page", "GET", submission.get_absolute_url(), as_learner, {}, False),
        ("mentor queue", "GET", reverse("mentors:queue"), as_mentor, {}, False),
        ("review page", "GET", reverse("mentors:review", args=[waiting.pk]), as_mentor, {}, 0),
        (
            "AI ask",
            "POST",
            reverse("ai:ask", args=phase_args),
            as_learner,
            {"question": "Why does scaling before cross-validation leak data?"},
            True,
        ),
        ("notification bell", "GET", reverse("reminders:bell"), as_learner, {}, True),
    ]
    out = []
    client = Client(enforce_csrf_checks=False)
    for name, method, path, cookies, data, htmx in pages:
        client.cookies.clear()
        client.cookies["sessionid"] = cookies["sessionid"]
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        with CaptureQueriesContext(connection) as queries:
            if method == "POST":
                response = client.post(path, data, **headers)
            else:
                response = client.get(path, **headers)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {path} answered {response.status_code}, not 200")
        out.append(
            {
                "name": name,
                "method": method,
                "path": path,
                "cookies": cookies,
                "data": data,
                "htmx": bool(htmx),
                "queries": len(queries),
                "bytes": len(response.content),
            }
        )
    print(json.dumps(out))


# --- Driving (the parent process) -----------------------------------------------------------


def database_ready(args: argparse.Namespace, name: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(f"{args.server}/{name}") as conn:
            return bool(
                conn.execute(
                    "SELECT 1 FROM accounts_user WHERE email = 'staff@bench.example'"
                ).fetchone()
            )
    except psycopg.Error:
        return False


def prepare(args: argparse.Namespace, learners: int) -> dict[str, str]:
    name = f"{args.database}_{learners}"
    env = environment(args, name)
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    if args.reuse and database_ready(args, name):
        # New migrations (a column with a default) apply to a reused database in seconds.
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        print(f"reusing {name}")
        return env
    django_env.recreate_database(args.server, name)
    print(f"seeding {name}: {learners:,} learners")
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    print(f"  migrated in {time.perf_counter() - started:.0f} s")
    subprocess.run([PYTHON, __file__, "--seed", str(learners)], cwd=ROOT, env=env, check=True)
    print(f"  seeded in {time.perf_counter() - started:.0f} s")
    return env


def serve(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "edirae.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def warm(args: argparse.Namespace, target: dict, times: int = 6) -> None:
    """A few requests before measuring, so each worker has loaded its templates and URLs
    (a cold worker's first page can take seconds)."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlencode

    cookies = "; ".join(f"{k}={v}" for k, v in target["cookies"].items())
    headers = {"Cookie": cookies, "X-CSRFToken": target["cookies"].get("csrftoken", "")}
    headers["Referer"] = f"http://127.0.0.1:{args.port}/"
    if target["htmx"]:
        headers["HX-Request"] = "true"
    data = urlencode(target["data"]).encode() if target["method"] == "POST" else None

    def one(_: int) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{args.port}{target['path']}", data=data, headers=headers
        )
        urllib.request.urlopen(request, timeout=120).read()

    with ThreadPoolExecutor(max_workers=args.workers * 2) as pool:
        list(pool.map(one, range(times)))


def load(args: argparse.Namespace, target: dict, workdir: Path) -> dict[str, float]:
    warm(args, target)
    prefix = workdir / target["name"].replace(" ", "_").replace("(", "").replace(")", "")
    subprocess.run(
        [
            str(Path(PYTHON).parent / "locust"),
            "-f",
            str(ROOT / "benchmarks" / "locustfile.py"),
            "--headless",
            "--only-summary",
            "--users",
            str(args.clients),
            "--spawn-rate",
            str(args.clients),
            "--run-time",
            f"{args.duration}s",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--csv",
            str(prefix),
            "--loglevel",
            "ERROR",
        ],
        env={**os.environ, "BENCH_TARGET": json.dumps(target)},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")

    def number(text: str) -> float:
        return float("nan") if text in ("", "N/A") else float(text)

    return {
        "rps": number(row["Requests/s"]),
        "p50": number(row["50%"]),
        "p95": number(row["95%"]),
        "failures": int(row["Failure Count"]),
        "requests": int(row["Request Count"]),
    }


def measure(args: argparse.Namespace, learners: int) -> list[dict]:
    env = prepare(args, learners)
    probed = subprocess.run(
        [PYTHON, __file__, "--probe"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if probed.returncode:
        raise SystemExit(f"probing the pages failed:\n{probed.stderr[-3000:]}")
    targets = json.loads(probed.stdout)
    server = serve(args, env)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for target in targets:
                figures = load(args, target, Path(workdir))
                rows.append({**target, **figures})
                sys.stderr.write(f"  {target['name']}: {figures['rps']:.1f} rps\n")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    baseline = rows[0]["rps"] or 1.0
    for row in rows:
        row["ratio"] = row["rps"] / baseline
    return rows


def table(learners: int, rows: list[dict]) -> None:
    print(f"\n{learners:,} learners ({rows[0]['requests']:,} baseline requests)")
    print(
        f"| {'page':<22} | {'rps':>7} | {'p50 ms':>6} | {'p95 ms':>6} | {'ratio':>6} "
        f"| {'queries':>7} | {'bytes':>7} | {'errors':>6} |"
    )
    print(f"|{'-' * 24}|{'-' * 9}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 9}|{'-' * 9}|{'-' * 8}|")
    for row in rows:
        print(
            f"| {row['name']:<22} | {row['rps']:>7.1f} | {row['p50']:>6.0f} | {row['p95']:>6.0f} "
            f"| {row['ratio']:>6.3f} | {row['queries']:>7} | {row['bytes']:>7,} "
            f"| {row['failures']:>6} |"
        )


def main() -> None:
    args = parse()
    if args.seed:
        seed(args.seed)
        return
    if args.probe:
        probe()
        return
    started = time.perf_counter()
    scales = [int(s) for s in args.scales.split(",")]
    results = {learners: measure(args, learners) for learners in scales}
    for learners, rows in results.items():
        table(learners, rows)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    worst = min(results[max(scales)][1:], key=lambda row: row["ratio"])
    print(f"pages: worst ratio {worst['ratio']:.2f} ({worst['name']})")


if __name__ == "__main__":
    main()
