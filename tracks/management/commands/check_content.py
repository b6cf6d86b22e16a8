from pathlib import Path

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracks.content_check import TrackReport, check_track
from tracks.models import Track
from tracks.trackfile import TrackFileError, export_track, parse_track_file

SEEDS = Path(settings.BASE_DIR) / "tracks" / "content"


class Command(BaseCommand):
    help = (
        "Check that every phase is measurable (bank sizes, skills, a quiz that picking the "
        "longest choice cannot pass, practice, cards, resources, rubrics, gates) and that "
        "prose is not hard-wrapped. Exits 1 when a published track falls short. Reads the "
        "seed track files, or the given files, or with --database the tracks in the database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="*", type=Path, metavar="FILE")
        parser.add_argument(
            "--database", action="store_true", help="check the tracks in the database instead"
        )

    def handle(self, *args, files: list[Path], database: bool, **options) -> None:
        reports = [check_track(data) for data in self._tracks(files, database)]
        for report in reports:
            self._print(report)
        phases = sum(len(r.phases) for r in reports)
        measurable = sum(r.measurable for r in reports)
        wrapped = sum(r.wrapped_count for r in reports)
        self.stdout.write(
            f"{measurable} of {phases} phases measurable; "
            f"{wrapped} hard-wrapped text{'s' if wrapped != 1 else ''}"
        )
        short = [r.slug for r in reports if r.published and not r.passes]
        if short:
            raise CommandError(f"Published tracks falling short: {', '.join(short)}.")

    def _tracks(self, files: list[Path], database: bool) -> list[dict]:
        if database:
            return [yaml.safe_load(export_track(t)) for t in Track.objects.order_by("slug")]
        tracks = []
        for path in files or sorted(SEEDS.glob("*.yaml")):
            try:
                text = path.read_text(encoding="utf-8")
                parse_track_file(text, name=str(path))  # a file that cannot import is no content
            except OSError as exc:
                raise CommandError(f"{path}: cannot read: {exc.strerror}") from None
            except TrackFileError as exc:
                raise CommandError(str(exc)) from None
            tracks.append(yaml.safe_load(text))
        return tracks

    def _print(self, report: TrackReport) -> None:
        status = "published" if report.published else "draft"
        self.stdout.write(
            f"{report.title} ({report.slug}, {status}): "
            f"{report.measurable} of {len(report.phases)} phases measurable"
        )
        for phase in report.phases:
            verdict = "measurable" if phase.measurable else "NOT measurable"
            self.stdout.write(f"  Phase {phase.order} · {phase.title}: {verdict}")
            for line in phase.lines:
                self.stdout.write(f"    {'ok   ' if line.ok else 'SHORT'} {line.text}")
            if phase.wrapped:
                self.stdout.write(f"    WRAP  {_some(phase.wrapped)}")
        if report.wrapped:
            self.stdout.write(f"  WRAP  track texts: {_some(report.wrapped)}")


def _some(paths: list[str], shown: int = 4) -> str:
    """'3 hard-wrapped: a, b, c' or '59 hard-wrapped: a, b, c, d and 55 more'."""
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return f"{len(paths)} hard-wrapped: {', '.join(paths[:shown])}{more}"
