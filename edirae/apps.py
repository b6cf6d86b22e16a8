from django.apps import AppConfig


class EdiraeConfig(AppConfig):
    """The project package as an app: its deployment checks and the local-time signals, both
    of which read several apps and so live above them."""

    name = "edirae"
    verbose_name = "Edirae"

    def ready(self) -> None:
        from edirae import checks, local_time  # noqa: F401  (checks register on import)

        local_time.connect_signals()
