from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mentors.rubrics import RubricFileError, load_rubric_file

SEED = Path(settings.BASE_DIR) / "mentors" / "content" / "rubrics.yaml"


class Command(BaseCommand):
    help = "Load phase rubrics from a YAML file (default: the seed rubrics). Safe to run twice."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", default=str(SEED))

    def handle(self, *args, path: str, **options) -> None:
        try:
            titles = load_rubric_file(Path(path))
        except RubricFileError as exc:
            raise CommandError(str(exc)) from None
        for title in titles:
            self.stdout.write(f"rubric loaded: {title}")
