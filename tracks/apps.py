from django.apps import AppConfig


class TracksConfig(AppConfig):
    name = "tracks"

    def ready(self) -> None:
        from tracks import gate_kinds

        gate_kinds.register()
