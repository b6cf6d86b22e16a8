from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.loader import DemoAccountsRefused, ensure_demo_accounts, ensure_demo_plan
from tracks.trackfile import TrackFileError, import_track_files

SEED_DIR = Path(settings.BASE_DIR) / "tracks" / "content"


class Command(BaseCommand):
    help = "Load the seed tracks and, in embedded mode, the demo accounts. Safe to run twice."

    def handle(self, *args, **options) -> None:
        # Accounts first: a published track needs a reviewer (the demo admin is the fallback
        # reviewer), then the tracks, then the accounts again so the mentor covers them.
        try:
            ensure_demo_accounts()
        except DemoAccountsRefused as exc:
            accounts_refused = exc
        else:
            accounts_refused = None
        files = sorted(SEED_DIR.glob("*.yaml"))
        try:
            # The seed files are the truth here: what they dropped is retired, never deleted.
            for result in import_track_files(files, retire=True):
                self.stdout.write(f"track {result.slug}: {result.phases} phases loaded")
        except TrackFileError as exc:
            raise CommandError(str(exc)) from None
        if accounts_refused is not None:
            self.stdout.write(f"{accounts_refused} Skipped.")
            return
        accounts = ensure_demo_accounts()
        self.stdout.write("\nDemo accounts (embedded mode only):")
        for account in accounts:
            self.stdout.write(
                f"  {account.role:<8} {account.email:<22} password: {account.password}"
            )
        if ensure_demo_plan():
            self.stdout.write("The demo learner has a plan on AI Engineering, three weeks in.")
