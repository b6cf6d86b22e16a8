from django.apps import AppConfig


class AiMentorConfig(AppConfig):
    name = "ai_mentor"
    verbose_name = "AI mentor"

    def ready(self) -> None:
        from ai_mentor import selectors
        from ai_mentor.signals import queue_pre_review_of_sent_round
        from mentors import hooks

        # The mentors core never imports this app: it sends `round_sent` and asks its review
        # aids; the AI mentor answers both.
        hooks.round_sent.connect(
            queue_pre_review_of_sent_round, dispatch_uid="ai-mentor-pre-review"
        )
        hooks.register_review_aid(selectors.pre_review_aid)
