"""Stable keys for key actions, retired phases and key actions, and a progress trail that
cannot be deleted.

Existing key actions get the key their text derives to (tracks.models.derive_key, frozen
here), so a track file without keys matches them on its next import. ProgressEvent is
append-only: its foreign keys PROTECT and a trigger refuses DELETE on PostgreSQL and SQLite.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify


def derive_keys(apps, schema_editor) -> None:
    KeyAction = apps.get_model("tracks", "KeyAction")
    taken: dict[int, set[str]] = {}
    for action in KeyAction.objects.order_by("phase_id", "order", "id"):
        keys = taken.setdefault(action.phase_id, set())
        base = slugify(action.text)[:60].strip("-") or "key-action"
        key, n = base, 1
        while key in keys:
            n += 1
            key = f"{base}-{n}"
        keys.add(key)
        KeyAction.objects.filter(pk=action.pk).update(key=key)


MESSAGE = "progress events are append-only: they cannot be deleted"

POSTGRES_GUARD = f"""
CREATE OR REPLACE FUNCTION tracks_progressevent_refuse_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tracks_progressevent_no_delete BEFORE DELETE ON tracks_progressevent
    FOR EACH ROW EXECUTE FUNCTION tracks_progressevent_refuse_delete();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS tracks_progressevent_no_delete ON tracks_progressevent;
DROP FUNCTION IF EXISTS tracks_progressevent_refuse_delete();
"""
SQLITE_GUARD = f"""
CREATE TRIGGER tracks_progressevent_no_delete BEFORE DELETE ON tracks_progressevent
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS tracks_progressevent_no_delete;"


def add_guard(apps, schema_editor) -> None:
    # Row triggers do not fire on TRUNCATE, so test database flushes still work.
    sql = {"postgresql": POSTGRES_GUARD, "sqlite": SQLITE_GUARD}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def drop_guard(apps, schema_editor) -> None:
    sql = {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("tracks", "0003_gates_and_progress_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="phase",
            name="retired",
            field=models.BooleanField(
                default=False,
                help_text="Left the track file: hidden from new learners, kept for those "
                "enrolled and for their history.",
            ),
        ),
        migrations.AddField(
            model_name="keyaction",
            name="retired",
            field=models.BooleanField(
                default=False,
                help_text="Left the track file: hidden from new learners, kept for those "
                "enrolled and for their history.",
            ),
        ),
        migrations.AddField(
            model_name="keyaction",
            name="key",
            field=models.SlugField(
                blank=True,
                default="",
                max_length=80,
                help_text="Stable identity within the phase, used by track files: learners' "
                "ticks and evidence follow the key, whatever the text or order becomes. Left "
                "empty, it is derived from the text.",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(derive_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="keyaction",
            constraint=models.UniqueConstraint(
                fields=("phase", "key"), name="key_action_key_unique"
            ),
        ),
        migrations.RemoveConstraint(model_name="phase", name="phase_order_unique"),
        migrations.AddConstraint(
            model_name="phase",
            constraint=models.UniqueConstraint(
                condition=models.Q(("retired", False)),
                fields=("track", "order"),
                name="phase_order_unique",
            ),
        ),
        migrations.RemoveConstraint(model_name="keyaction", name="key_action_order_unique"),
        migrations.AddConstraint(
            model_name="keyaction",
            constraint=models.UniqueConstraint(
                condition=models.Q(("retired", False)),
                fields=("phase", "order"),
                name="key_action_order_unique",
            ),
        ),
        migrations.AlterField(
            model_name="phaseprogress",
            name="phase",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="progress",
                to="tracks.phase",
            ),
        ),
        migrations.AlterField(
            model_name="keyactionprogress",
            name="key_action",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="progress",
                to="tracks.keyaction",
            ),
        ),
        migrations.AlterField(
            model_name="progressevent",
            name="enrollment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="progress_events",
                to="tracks.enrollment",
            ),
        ),
        migrations.AlterField(
            model_name="progressevent",
            name="phase",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="progress_events",
                to="tracks.phase",
            ),
        ),
        migrations.RunPython(add_guard, drop_guard),
    ]
