from django.apps import AppConfig


class MentorsConfig(AppConfig):
    name = "mentors"
    verbose_name = "Mentors and evidence"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from mentors import gates, trackfile
        from mentors.signals import remember_mentor_on_login

        gates.register()
        trackfile.register()  # track files gain each phase's optional `rubric` section
        user_logged_in.connect(remember_mentor_on_login, dispatch_uid="mentors-remember-mentor")
