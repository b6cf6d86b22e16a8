from django.apps import AppConfig


class EdiraeConfig(AppConfig):
    """The project package as an app: only to register its deployment checks."""

    name = "edirae"
    verbose_name = "Edirae"

    def ready(self) -> None:
        from edirae import checks  # noqa: F401  (registers the checks)
