"""`Enrollment.last_studied_at`, backfilled from the study already recorded.

The backfill gives every active enrollment the learner's latest study as the inactivity
reminder computed it until now (latest attempt started or graded, answer saved, card
reviewed, key action ticked, evidence drafted or sent, on any track), so nobody gets a nudge
they would not have had before the deploy. Paused enrollments stay NULL: resuming one stamps
its `updated_at`, which the reminder takes when it is later.

One grouped query per source and UPDATEs in batches: it works the same on SQLite and
PostgreSQL (no GREATEST, whose NULL handling differs between them).
"""

from django.db import migrations, models
from django.db.models import Max

BATCH = 2_000


def latest_study_by_learner(apps) -> dict[int, object]:
    """{learner id: latest study time} over every source the reminder used to read."""
    Attempt = apps.get_model("quizzes", "Attempt")
    Response = apps.get_model("quizzes", "Response")
    ReviewLog = apps.get_model("quizzes", "ReviewLog")
    KeyActionProgress = apps.get_model("tracks", "KeyActionProgress")
    SubmissionRound = apps.get_model("mentors", "SubmissionRound")
    sources = [
        (Attempt.objects.all(), "learner_id", "started_at"),
        (Attempt.objects.all(), "learner_id", "graded_at"),
        (Response.objects.all(), "attempt__learner_id", "answered_at"),
        (ReviewLog.objects.all(), "learner_id", "reviewed_at"),
        (KeyActionProgress.objects.all(), "enrollment__learner_id", "ticked_at"),
        (SubmissionRound.objects.all(), "submission__learner_id", "created_at"),
        (SubmissionRound.objects.all(), "submission__learner_id", "submitted_at"),
    ]
    latest: dict[int, object] = {}
    for queryset, learner, field in sources:
        rows = (
            queryset.filter(**{f"{field}__isnull": False})
            .order_by()
            .values_list(learner)
            .annotate(at=Max(field))
            .values_list(learner, "at")
        )
        for learner_id, at in rows.iterator(chunk_size=BATCH):
            if learner_id not in latest or at > latest[learner_id]:
                latest[learner_id] = at
    return latest


def backfill(apps, schema_editor) -> None:
    Enrollment = apps.get_model("tracks", "Enrollment")
    latest = latest_study_by_learner(apps)
    active = (
        Enrollment.objects.filter(status="active").order_by("pk").values_list("pk", "learner_id")
    )
    rows = [
        Enrollment(pk=pk, last_studied_at=latest[learner])
        for pk, learner in active.iterator(chunk_size=BATCH)
        if learner in latest
    ]
    Enrollment.objects.bulk_update(rows, ["last_studied_at"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("tracks", "0004_retired_phases_key_action_keys_protected_progress"),
        ("quizzes", "0001_initial"),
        ("mentors", "0003_fallback_reviewer"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="last_studied_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
