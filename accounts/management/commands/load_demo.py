from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DemoAccountsRefused, ensure_demo_accounts, ensure_demo_plan
from mentors.rubrics import RubricFileError, load_rubric_file
from tracks.trackfile import TrackFileError, import_track_files

SEED_DIR = Path(settings.BASE_DIR) / "tracks" / "content"
RUBRICS = Path(settings.BASE_DIR) / "mentors" / "content" / "rubrics.yaml"


class Command(BaseCommand):
    help = "Load the seed tracks and, in embedded mode, the demo accounts. Safe to run twice."

    def handle(self, *args, **options) -> None:
        files = sorted(SEED_DIR.glob("*.yaml"))
        try:
            # The seed files are the truth here: what they dropped is retired, never deleted.
            for result in import_track_files(files, retire=True):
                self.stdout.write(f"track {result.slug}: {result.phases} phases loaded")
            for title in load_rubric_file(RUBRICS):
                self.stdout.write(f"rubric loaded: {title}")
        except (TrackFileError, RubricFileError) as exc:
            raise CommandError(str(exc)) from None
        try:
            accounts = ensure_demo_accounts()
        except DemoAccountsRefused as exc:
            self.stdout.write(f"{exc} Skipped.")
            return
        self.stdout.write("\nDemo accounts (embedded mode only):")
        for account in accounts:
            self.stdout.write(
                f"  {account.role:<8} {account.email:<22} password: {account.password}"
            )
        if ensure_demo_plan():
            self.stdout.write("The demo learner has a plan on AI Engineering, three weeks in.")
