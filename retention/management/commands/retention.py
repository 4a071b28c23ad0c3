"""Run the retention policy by hand: `manage.py retention --dry-run` prints what is due;
without --dry-run it writes a dry-run report and deletes what a report at least
RETENTION_NOTICE_DAYS old listed (as the nightly schedule does)."""

from django.core.management.base import BaseCommand

from retention.selectors import COUNT_KINDS
from retention.services import retention_dry_run, retention_run


class Command(BaseCommand):
    help = "Report (--dry-run) or delete record-level data due under the retention policy."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what is due; delete nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        if dry_run:
            self._print(retention_dry_run())
            return
        dry, deletion = retention_run()
        self._print(dry)
        self._print(deletion)

    def _print(self, run) -> None:
        self.stdout.write(f"{run} (cut-off {run.cutoff:%d %B %Y}): {run.get_outcome_display()}")
        activities = run.activities
        if not activities:
            self.stdout.write("  No activities are due.")
        for entry in activities:
            counts = ", ".join(
                f"{COUNT_KINDS.get(kind, kind).lower()} {n}"
                for kind, n in entry["counts"].items()
                if n
            )
            self.stdout.write(
                f"  [{entry['status']}] {entry['title']} ({entry['authority']}), published "
                f"{entry['published_on']}, due since {entry['due_since']}: {counts or 'no rows'}"
            )
            if entry.get("error"):
                self.stdout.write(f"    {entry['error']}")
        totals = ", ".join(f"{COUNT_KINDS.get(k, k).lower()} {n}" for k, n in run.totals.items())
        self.stdout.write(f"  Totals: {totals}")
