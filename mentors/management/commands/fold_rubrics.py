"""Fold legacy rubric files into the track files: each track file gains its phases' `rubric`
sections. Runs in a transaction that is rolled back, so the database is left as it was."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mentors.rubrics import RubricFileError, load_rubric_file
from tracks.models import Track
from tracks.trackfile import TrackFileError, export_track, import_track_files, parse_track_file

ROOT = Path(settings.BASE_DIR)


class Command(BaseCommand):
    help = (
        "Import track files, load legacy rubric files over them and write each track file "
        "back with its rubrics (and in the exporter's form: keys, prose). The database is "
        "not changed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--tracks",
            nargs="+",
            type=Path,
            default=sorted((ROOT / "tracks" / "content").glob("*.yaml")),
            help="track files, rewritten in place (default: tracks/content/*.yaml)",
        )
        parser.add_argument(
            "--rubrics",
            nargs="+",
            type=Path,
            default=sorted((ROOT / "mentors" / "content").glob("rubrics*.yaml")),
            help="legacy rubric files (default: mentors/content/rubrics*.yaml)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be written, write nothing"
        )

    def handle(self, *args, tracks: list[Path], rubrics: list[Path], dry_run: bool, **options):
        texts: dict[Path, str] = {}
        try:
            with transaction.atomic():
                results = import_track_files(tracks, retire=True)  # rolled back below
                slugs = {path: r.slug for path, r in zip(tracks, results, strict=True)}
                for path in rubrics:
                    for title in load_rubric_file(path):
                        self.stdout.write(f"{path.name}: {title}")
                for path, slug in slugs.items():
                    texts[path] = export_track(Track.objects.get(slug=slug))
                transaction.set_rollback(True)
            for path, text in texts.items():
                parse_track_file(text, name=str(path))  # what we write must read back
        except (TrackFileError, RubricFileError) as exc:
            raise CommandError(f"{exc}\nNo file was written.") from None
        for path, text in texts.items():
            if not dry_run:
                path.write_text(text, encoding="utf-8")
            verb = "would write" if dry_run else "wrote"
            self.stdout.write(f"{verb} {path} ({text.count('  rubric:')} rubrics)")
