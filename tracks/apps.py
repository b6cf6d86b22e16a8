from django.apps import AppConfig


class TracksConfig(AppConfig):
    name = "tracks"

    def ready(self) -> None:
        from tracks import gate_kinds
        from tracks.models import GateCriterion, KeyAction, Phase
        from tracks.progression import watch_gate_content

        gate_kinds.register()
        # Cached gate reports follow the admin's edits of what gates read.
        watch_gate_content(Phase, track_id=lambda phase: phase.track_id)
        watch_gate_content(KeyAction, track_id=lambda action: action.phase.track_id)
        watch_gate_content(GateCriterion, track_id=lambda criterion: criterion.phase.track_id)
