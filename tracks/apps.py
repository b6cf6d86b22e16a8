from django.apps import AppConfig


class TracksConfig(AppConfig):
    name = "tracks"

    def ready(self) -> None:
        from tracks import gate_kinds
        from tracks.models import (
            FAQ,
            Background,
            GateCriterion,
            KeyAction,
            Phase,
            Resource,
            Skill,
        )
        from tracks.progression import watch_content, watch_skill_lists

        gate_kinds.register()
        # Cached gate reports and memoized content follow the admin's edits.
        watch_content(Phase, tracks=lambda phase: [phase.track_id])
        watch_content(KeyAction, tracks=lambda action: [action.phase.track_id])
        watch_content(GateCriterion, tracks=lambda criterion: [criterion.phase.track_id])
        watch_content(Resource, tracks=lambda resource: [resource.track_id])
        watch_content(Background, tracks=lambda background: [background.track_id])
        watch_content(FAQ, tracks=lambda faq: [faq.track_id])
        # A skill's name and description show on every track that lists it (the AI mentor's
        # passages, the track page).
        watch_content(Skill, tracks=lambda skill: skill.tracks.values_list("pk", flat=True))
        watch_skill_lists()
