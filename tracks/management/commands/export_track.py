from django.core.management.base import BaseCommand, CommandError

from tracks.models import Track
from tracks.trackfile import export_track


class Command(BaseCommand):
    help = "Write a track as a track file (YAML) to standard output."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")

    def handle(self, *args, slug: str, **options) -> None:
        track = Track.objects.filter(slug=slug).first()
        if track is None:
            known = ", ".join(Track.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No track with slug {slug!r}. Known tracks: {known}.")
        self.stdout.write(export_track(track), ending="")
