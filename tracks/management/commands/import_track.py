from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracks.trackfile import TrackFileError, import_track_files


class Command(BaseCommand):
    help = "Create or update tracks from track files (docs/track-format.md), all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument(
            "--retire",
            action="store_true",
            help="Retire the phases and key actions the files leave out (kept for enrolled "
            "learners and their history, hidden from new ones). Without it such an import "
            "is refused, naming them.",
        )

    def handle(self, *args, files: list[Path], retire: bool, **options) -> None:
        try:
            results = import_track_files(files, retire=retire)
        except TrackFileError as exc:
            raise CommandError(f"{exc}\nNothing was imported.") from None
        for result in results:
            verb = "created" if result.created else "updated"
            self.stdout.write(
                f"{result.slug}: {verb} ({result.phases} phases, {result.key_actions} key actions)"
            )
            for item in result.retired:
                self.stdout.write(f"  retired {item}")
