from django.apps import AppConfig


class MentorsConfig(AppConfig):
    name = "mentors"
    verbose_name = "Mentors and evidence"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from mentors import gates, trackfile
        from mentors.models import Rubric, RubricCriterion, RubricLevel
        from mentors.signals import remember_mentor_on_login
        from tracks.progression import watch_content

        gates.register()
        trackfile.register()  # track files gain each phase's optional `rubric` section
        # A track's rubrics are its content (memoized against its stamp: `rubric_for`).
        watch_content(Rubric, tracks=lambda rubric: [rubric.phase.track_id])
        watch_content(RubricCriterion, tracks=lambda criterion: [criterion.rubric.phase.track_id])
        watch_content(RubricLevel, tracks=lambda level: [level.criterion.rubric.phase.track_id])
        user_logged_in.connect(remember_mentor_on_login, dispatch_uid="mentors-remember-mentor")
