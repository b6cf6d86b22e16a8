from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders and notifications"

    def ready(self) -> None:
        from reminders import signals  # noqa: F401  (connects the receivers)
        from reminders.builtin import register_builtin_kinds
        from reminders.kinds import registry

        register_builtin_kinds(registry)
