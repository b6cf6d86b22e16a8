from collections import Counter

from django.core.management.base import BaseCommand

from reminders import services
from reminders.kinds import registry


class Command(BaseCommand):
    help = "Runs one reminder sweep now; with --dry-run, prints who would get what instead."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the reminders due now without claiming or sending anything.",
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        kinds = registry.all()
        if not kinds:
            self.stdout.write("No reminder kinds are registered.")
        if dry_run:
            report = services.sweep(dry_run=True)
            for planned in sorted(report.planned, key=lambda p: (p.email, p.kind)):
                self.stdout.write(f"{planned.email}\t{planned.kind}\t{planned.period}")
            by_kind = Counter(planned.kind for planned in report.planned)
            self.stdout.write(
                "By kind: " + ", ".join(f"{kind.key} {by_kind[kind.key]}" for kind in kinds)
            )
            self.stdout.write(
                f"{len(report.planned)} reminders due now over {len(kinds)} kinds "
                "(dry run: nothing claimed; some may already have been sent this period)."
            )
            return
        report = services.sweep()
        due = len(report.enqueue_ids)
        if report.enqueued is None:  # inside a caller's transaction: not committed yet
            enqueued = f"{due} deliveries to enqueue when the transaction commits"
        elif report.enqueued == due:
            enqueued = f"enqueued {due} deliveries"
        else:
            enqueued = f"enqueued {report.enqueued} of {due} deliveries"
        self.stdout.write(
            f"Claimed {report.claimed} reminders and {report.digests} digests; {enqueued} "
            f"({report.requeued} left over from earlier sweeps); "
            f"{report.interrupted} interrupted deliveries marked failed."
        )
        if report.enqueued is not None and report.enqueued < due:
            self.stderr.write(
                f"The broker is unreachable: {due - report.enqueued} reminders stay pending "
                "and the next sweep enqueues them again."
            )
