"""Benchmark (not a test): the reminder sweep over many learners, against a bare scan.

    .venv/bin/python benchmarks/reminder_sweep.py                     # 100,000 learners
    .venv/bin/python benchmarks/reminder_sweep.py --users 20000 \\
        --server postgres://postgres@127.0.0.1:5432

It (re)creates the database `edirae_bench` on the server (through `benchmarks.django_env`),
migrates it, seeds learners with verified addresses and reminder preferences spread over time
zones and hours (a few inactive, unverified or opted out) and fills their stored clocks
(`reminders.clock.keep_everyone`: bulk inserts send no signals), then times, best of several
runs:

- bare scan: `SELECT u.id, p.time_zone FROM accounts_user u JOIN reminders_reminderpreference p`
  (every row, no filter): the floor for any query that must look at every learner;
- due query: what the sweep runs for one hour-bound kind (active, verified primary address,
  not opted out, at their local hour in their zone), fetching (id, zone) of those due;
- whole sweep: the due query, the claims (INSERT ... ON CONFLICT DO NOTHING) and the select
  back, first with every claim new, then again with every claim already taken. Enqueueing is
  replaced by a no-op (no broker needed).

Then it gives every learner real data (an active enrollment on a two-phase track, a graded
attempt, card reviews, ticks; a fifth with flashcards due, one in a hundred with evidence
waiting past the promise, escalated, and one with evidence reviewed) and times each real
kind's due query and a whole sweep over the six kinds of `reminders.builtin`.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import django_env

ZONES = [
    "Europe/Paris",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
    "Africa/Lagos",
    "",  # never set: UTC
]


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="edirae_bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time an already seeded --database (migrated to the current code) without reseeding",
    )
    return parser.parse_args()


def setup_django(server: str, name: str) -> None:
    django_env.setup(django_env.postgres(server, name))
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def keep_clocks() -> None:
    """What the signals do for saved rows: every user's stored zone and hour (the seed's
    bulk inserts send no signals)."""
    from reminders import clock

    clock.keep_everyone()


def seed(users: int) -> None:
    from allauth.account.models import EmailAddress
    from django.db import connection

    from accounts.models import User
    from reminders.models import KindOptOut, ReminderPreference

    rng = random.Random(7)
    batch = 10_000
    joined = datetime(2026, 1, 1, tzinfo=UTC)
    for start in range(0, users, batch):
        people = User.objects.bulk_create(
            [
                User(
                    email=f"learner{n}@bench.example",
                    password="!",  # unusable
                    is_active=rng.random() > 0.02,
                    date_joined=joined,
                )
                for n in range(start, min(start + batch, users))
            ]
        )
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=u, email=u.email, primary=True, verified=rng.random() > 0.03)
                for u in people
            ]
        )
        ReminderPreference.objects.bulk_create(
            [
                ReminderPreference(
                    user=u,
                    hour=rng.randrange(6, 22),
                    time_zone=rng.choice(ZONES),
                    digest=rng.random() < 0.1,
                )
                for u in people
            ]
        )
        KindOptOut.objects.bulk_create(
            [
                KindOptOut(user=u, kind="bench_daily", source="preferences")
                for u in people
                if rng.random() < 0.05
            ]
        )
    keep_clocks()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def best(repeat: int, run) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main() -> None:
    args = parse()
    if args.reuse:
        print(f"Reusing {args.database} (seeded by an earlier run)...", flush=True)
        setup_django(args.server, args.database)
        from reminders.models import Reminder

        Reminder.objects.all().delete()
    else:
        print(f"Creating {args.database} and seeding {args.users:,} learners...", flush=True)
        django_env.recreate_database(args.server, args.database)
        setup_django(args.server, args.database)
        started = time.perf_counter()
        seed(args.users)
        print(f"Seeded in {time.perf_counter() - started:.1f} s.")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reminders import selectors, services
    from reminders.kinds import Due, Kind, registry
    from reminders.models import Reminder
    from reminders.periods import local_day

    class BenchDaily(Kind):
        key = "bench_daily"
        label = "Bench daily"
        description = "Due for everyone at their hour."

        def due(self, *, now, recipients):
            return [
                Due(user_id=pk, period=local_day(now, zone))
                for pk, zone in recipients.values_list("id", "reminder_time_zone")
            ]

    kind = BenchDaily()
    now = datetime(2026, 11, 23, 13, 20, tzinfo=UTC)  # Paris 14:20, New York 08:20, Tokyo 22:20

    def bare_scan() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT u.id, p.time_zone FROM accounts_user u "
                "JOIN reminders_reminderpreference p ON p.user_id = u.id"
            )
            return len(cursor.fetchall())

    def due_query() -> int:
        recipients = selectors.recipients(kind=kind, now=now)
        return len(list(recipients.values_list("id", "reminder_time_zone")))

    scanned, due = bare_scan(), due_query()
    bare_best, bare_median = best(args.repeat, bare_scan)
    due_best, due_median = best(args.repeat, due_query)

    services.enqueue = lambda reminder_ids: 0  # no broker: the claims stay pending
    with registry.override(kind):
        with CaptureQueriesContext(connection) as first:
            started = time.perf_counter()
            report = services.sweep(now=now)
            sweep_new = time.perf_counter() - started
        with CaptureQueriesContext(connection) as second:
            started = time.perf_counter()
            again = services.sweep(now=now + timedelta(minutes=5))
            sweep_again = time.perf_counter() - started

    print()
    print(f"learners                 {args.users:>10,}")
    print(f"rows in the bare scan    {scanned:>10,}")
    print(f"due now (one kind)       {due:>10,}")
    print(f"bare scan                {bare_best * 1e3:>10.1f} ms (median {bare_median * 1e3:.1f})")
    print(f"sweep's due query        {due_best * 1e3:>10.1f} ms (median {due_median * 1e3:.1f})")
    print(f"ratio due / bare         {due_best / bare_best:>10.2f}x")
    print(
        f"whole sweep, new claims  {sweep_new * 1000:>10.1f} ms "
        f"({report.claimed:,} claimed, {len(first.captured_queries)} queries)"
    )
    print(
        f"whole sweep, again       {sweep_again * 1000:>10.1f} ms "
        f"({again.claimed:,} claimed, {len(second.captured_queries)} queries)"
    )
    slowest = sorted(second.captured_queries, key=lambda q: -float(q["time"]))[:3]
    for query in slowest:
        print(f"  {float(query['time']) * 1e3:8.1f} ms  {query['sql'][:110]}")

    if not args.reuse:
        print(f"\nSeeding learner data for the real kinds ({args.users:,} enrollments)...")
        started = time.perf_counter()
        seed_learner_data(now)
        print(f"Seeded in {time.perf_counter() - started:.1f} s.")
    print()
    Reminder.objects.all().delete()
    ratios = {}
    for kind in registry.all():

        def kind_due(kind=kind):
            return len(list(kind.due(now=now, recipients=selectors.recipients(kind=kind, now=now))))

        count = kind_due()
        # The bare scan again, right before: on a shared machine only neighbours compare.
        scan_best, _ = best(args.repeat, bare_scan)
        kind_best, kind_median = best(args.repeat, kind_due)
        ratios[kind.key] = kind_best / scan_best
        print(
            f"{kind.key:<24} {kind_best * 1e3:>10.1f} ms (median {kind_median * 1e3:.1f}), "
            f"{count:,} due, {ratios[kind.key]:.2f}x the bare scan ({scan_best * 1e3:.1f} ms)"
        )
    with CaptureQueriesContext(connection) as real:
        started = time.perf_counter()
        report = services.sweep(now=now)
        sweep_real = time.perf_counter() - started
    with CaptureQueriesContext(connection) as real_again:
        started = time.perf_counter()
        again = services.sweep(now=now + timedelta(minutes=5))
        sweep_real_again = time.perf_counter() - started
    print(
        f"whole sweep, real kinds  {sweep_real * 1000:>10.1f} ms "
        f"({report.claimed:,} claimed, {len(real.captured_queries)} queries)"
    )
    print(
        f"whole sweep, again       {sweep_real_again * 1000:>10.1f} ms "
        f"({again.claimed:,} claimed, {len(real_again.captured_queries)} queries)"
    )
    worst = max(ratios, key=ratios.get)
    print(f"reminder kinds: worst ratio {ratios[worst]:.2f}x the bare scan ({worst})")


def seed_learner_data(now: datetime) -> None:
    """An active enrollment for every learner, with a little of everything the kinds read."""
    from django.db import connection

    from accounts.models import User
    from mentors.models import MentorProfile, Review, Submission, SubmissionRound
    from quizzes.models import Attempt, Card, CardState, Deck, Quiz, ReviewLog
    from tracks.models import Enrollment, KeyAction, KeyActionProgress, Phase, PhaseProgress, Track

    rng = random.Random(11)
    track = Track.objects.create(
        slug="bench",
        title="Bench track",
        summary="-",
        target_role="-",
        difficulty="beginner",
        typical_duration="-",
        status=Track.Status.PUBLISHED,
    )
    phases = [
        Phase.objects.create(
            track=track, order=n, slug=f"p{n}", title=f"P{n}", min_weeks=4, max_weeks=8
        )
        for n in (1, 2)
    ]
    actions = [
        KeyAction.objects.create(
            phase=phases[0], order=n, text=f"Action {n}", needs_evidence=n == 1
        )
        for n in (1, 2, 3)
    ]
    quiz = Quiz.objects.create(phase=phases[0], title="Quiz", questions_per_attempt=3)
    deck = Deck.objects.create(phase=phases[0], title="Deck")
    cards = Card.objects.bulk_create(
        Card(deck=deck, key=f"c{n}", order=n, front="?", back="!") for n in range(12)
    )
    mentor = User.objects.create(email="mentor@bench.example", password="!")
    MentorProfile.objects.create(user=mentor).tracks.add(track)
    staff = User.objects.create(email="staff@bench.example", password="!", is_staff=True)
    for user in (mentor, staff):
        user.emailaddress_set.create(email=user.email, primary=True, verified=True)
    ids = list(
        User.objects.filter(email__startswith="learner").order_by("pk").values_list("pk", flat=True)
    )
    batch = 5_000
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        days = {pk: rng.randrange(0, 20) for pk in chunk}
        enrollments = Enrollment.objects.bulk_create(
            Enrollment(
                learner_id=pk,
                track=track,
                background="newcomer",
                hours_per_week=rng.choice([2, 5, 10, 15]),
                time_zone=rng.choice(ZONES) or "UTC",
                started_on=(now - timedelta(days=30)).date(),
                plan={},
                # What tracks.services.record_study keeps: the latest of the rows below.
                last_studied_at=now - timedelta(days=days[pk]),
            )
            for pk in chunk
        )
        Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]).update(
            created_at=now - timedelta(days=30), updated_at=now - timedelta(days=30)
        )
        PhaseProgress.objects.bulk_create(
            PhaseProgress(
                enrollment=e,
                phase=phase,
                state="unlocked" if i == 0 else "locked",
                unlocked_at=now - timedelta(days=30) if i == 0 else None,
            )
            for e in enrollments
            for i, phase in enumerate(phases)
        )
        KeyActionProgress.objects.bulk_create(
            KeyActionProgress(
                enrollment=e,
                key_action=a,
                ticked_at=now - timedelta(days=days[e.learner_id]) if a.order == 2 else None,
            )
            for e in enrollments
            for a in actions
        )
        Attempt.objects.bulk_create(
            Attempt(
                learner_id=pk,
                quiz=quiz,
                seed=pk,
                state="graded",
                started_at=now - timedelta(days=days[pk], minutes=40),
                graded_at=now - timedelta(days=days[pk]),
                score=70,
                passed=False,
            )
            for pk in chunk
        )
        ReviewLog.objects.bulk_create(
            ReviewLog(
                learner_id=pk,
                card=cards[n],
                rating=3,
                state_before=2,
                reviewed_at=now - timedelta(days=days[pk], minutes=n),
                due_after=now,
            )
            for pk in chunk
            for n in range(5)
        )
        CardState.objects.bulk_create(
            CardState(
                learner_id=pk,
                card=card,
                state=2,
                stability=3.0,
                difficulty=5.0,
                due=now - timedelta(hours=1),
                reps=3,
            )
            for pk in chunk
            if pk % 5 == 0
            for card in cards
        )
        for pk in chunk:
            if pk % 100 not in (0, 50):
                continue
            # One in a hundred waits past the promise (escalated); another was just reviewed.
            waits = pk % 100 == 0
            submission = Submission.objects.create(
                learner_id=pk,
                key_action=actions[0],
                phase=phases[0],
                track=track,
                state="submitted" if waits else "approved",
                submitted_at=now - timedelta(hours=60),
                escalated_at=now - timedelta(hours=11) if waits else None,
            )
            round = SubmissionRound.objects.create(
                submission=submission, number=1, writeup="-", submitted_at=submission.submitted_at
            )
            if not waits:
                Review.objects.create(
                    round=round,
                    mentor=mentor,
                    verdict="approve",
                    feedback="-",
                    created_at=now - timedelta(hours=20),
                )
    keep_clocks()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    main()
