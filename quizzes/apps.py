from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Learning Center"

    def ready(self) -> None:
        # Track files gain the optional `quiz` and `deck` sections of each phase.
        from quizzes import gates, trackfile
        from quizzes.models import Card, Deck, Question, Quiz
        from tracks.progression import watch_content

        trackfile.register()
        gates.register()
        # Cached gate reports follow the admin's edits of the banks and decks gates read
        # (a question's skills are saved with the question, in the same transaction).
        watch_content(Quiz, tracks=lambda quiz: [quiz.phase.track_id])
        watch_content(Question, tracks=lambda question: [question.quiz.phase.track_id])
        watch_content(Deck, tracks=lambda deck: [deck.phase.track_id])
        watch_content(Card, tracks=lambda card: [card.deck.phase.track_id])
