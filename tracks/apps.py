from django.apps import AppConfig


class TracksConfig(AppConfig):
    name = "tracks"

    def ready(self) -> None:
        from tracks import gate_kinds
        from tracks.models import FAQ, Background, GateCriterion, KeyAction, Phase, Resource
        from tracks.progression import watch_content

        gate_kinds.register()
        # Cached gate reports and memoized content follow the admin's edits.
        watch_content(Phase, track_id=lambda phase: phase.track_id)
        watch_content(KeyAction, track_id=lambda action: action.phase.track_id)
        watch_content(GateCriterion, track_id=lambda criterion: criterion.phase.track_id)
        watch_content(Resource, track_id=lambda resource: resource.track_id)
        watch_content(Background, track_id=lambda background: background.track_id)
        watch_content(FAQ, track_id=lambda faq: faq.track_id)
