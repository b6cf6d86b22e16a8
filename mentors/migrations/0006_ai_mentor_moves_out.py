# The AI mentor's models now belong to the ai_mentor app (ai_mentor 0001 took over their
# state): only the state is dropped here; the tables and their rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ai_mentor', '0001_initial'),
        ('mentors', '0005_remove_practice_settings'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='AIUsage'),
                migrations.DeleteModel(name='PracticeAnswer'),
                migrations.DeleteModel(name='PreReviewDraft'),
                migrations.DeleteModel(name='MentorMessage'),
                migrations.DeleteModel(name='MentorConversation'),
            ],
        ),
    ]
