# The AI mentor's models move here from the mentors app, with their rows: the state moves
# (mentors 0006 drops it there) and the tables stay where they are; 0002 renames them.
# Content types (and so permissions and admin history) follow the models.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ["mentorconversation", "mentormessage", "practiceanswer", "prereviewdraft", "aiusage"]


def move_content_types(apps, schema_editor, source="mentors", target="ai_mentor"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(
        ContentType.objects.filter(app_label=target, model__in=MODELS).values_list("model", flat=True)
    )
    ContentType.objects.filter(app_label=source, model__in=set(MODELS) - taken).update(
        app_label=target
    )


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="ai_mentor", target="mentors")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('mentors', '0005_remove_practice_settings'),
        ('quizzes', '0001_initial'),
        ('tracks', '0002_learner_plans'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='MentorConversation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('learner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ai_conversations', to=settings.AUTH_USER_MODEL)),
                        ('phase', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ai_conversations', to='tracks.phase')),
                    ],
                    options={
                        'ordering': ['-updated_at'],
                        'db_table': 'mentors_mentorconversation',
                        'constraints': [models.UniqueConstraint(fields=('learner', 'phase'), name='ai_conversation_once')],
                    },
                ),
                migrations.CreateModel(
                    name='MentorMessage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('learner', 'Learner'), ('mentor', 'AI mentor')], max_length=10)),
                        ('text', models.TextField()),
                        ('citations', models.JSONField(blank=True, default=list)),
                        ('backend', models.CharField(blank=True, max_length=20)),
                        ('notice', models.CharField(blank=True, help_text='e.g. a fallback to local.', max_length=300)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('conversation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='ai_mentor.mentorconversation')),
                    ],
                    options={
                        'ordering': ['conversation', 'created_at', 'id'],
                        'db_table': 'mentors_mentormessage',
                        'indexes': [models.Index(fields=['conversation', 'id'], name='mentor_message_latest')],
                    },
                ),
                migrations.CreateModel(
                    name='PracticeAnswer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('selected', models.JSONField(blank=True, default=list)),
                        ('text', models.CharField(blank=True, max_length=300)),
                        ('correct', models.BooleanField()),
                        ('moves', models.JSONField(blank=True, default=list)),
                        ('answered_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('learner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='practice_answers', to=settings.AUTH_USER_MODEL)),
                        ('question', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='practice_answers', to='quizzes.question')),
                    ],
                    options={
                        'ordering': ['-answered_at', '-id'],
                        'db_table': 'mentors_practiceanswer',
                        'indexes': [models.Index(fields=['learner', '-answered_at'], name='mentors_pra_learner_905162_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='PreReviewDraft',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('backend', models.CharField(max_length=20)),
                        ('summary', models.TextField(blank=True)),
                        ('items', models.JSONField(blank=True, default=list)),
                        ('notice', models.CharField(blank=True, max_length=300)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('round', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='pre_review', to='mentors.submissionround')),
                        ('rubric', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='mentors.rubric')),
                    ],
                    options={
                        'verbose_name': 'AI pre-review draft',
                        'db_table': 'mentors_prereviewdraft',
                    },
                ),
                migrations.CreateModel(
                    name='AIUsage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('backend', models.CharField(max_length=20)),
                        ('kind', models.CharField(choices=[('explain', 'Explain'), ('practice', 'Practice'), ('feedback', 'Feedback'), ('pre_review', 'Pre-review')], max_length=20)),
                        ('outcome', models.CharField(choices=[('ok', 'Answered'), ('fallback', 'Fell back to local'), ('nothing_found', 'Nothing relevant found')], default='ok', max_length=20)),
                        ('latency_ms', models.PositiveIntegerField(default=0)),
                        ('prompt_tokens', models.PositiveIntegerField(blank=True, null=True)),
                        ('completion_tokens', models.PositiveIntegerField(blank=True, null=True)),
                        ('error', models.CharField(blank=True, max_length=300)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='ai_usage', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'AI usage',
                        'verbose_name_plural': 'AI usage',
                        'ordering': ['-created_at'],
                        'db_table': 'mentors_aiusage',
                        'indexes': [models.Index(fields=['backend', '-created_at'], name='mentors_aiu_backend_4d479b_idx')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back, elidable=False),
    ]
