from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Learning Center"

    def ready(self) -> None:
        # Track files gain the optional `quiz` and `deck` sections of each phase.
        from quizzes import gates, trackfile

        trackfile.register()
        gates.register()
