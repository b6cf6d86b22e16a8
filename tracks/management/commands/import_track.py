from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracks.trackfile import TrackFileError, import_track_files


class Command(BaseCommand):
    help = "Create or update tracks from track files (docs/track-format.md), all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args, files: list[Path], **options) -> None:
        try:
            results = import_track_files(files)
        except TrackFileError as exc:
            raise CommandError(f"{exc}\nNothing was imported.") from None
        for result in results:
            verb = "created" if result.created else "updated"
            self.stdout.write(
                f"{result.slug}: {verb} ({result.phases} phases, {result.key_actions} key actions)"
            )
