"""Ask the virus scanner again about files that were stored while it was unavailable."""

from django.core.management.base import BaseCommand

from core.uploads import stored_file_scan, stored_files_pending


class Command(BaseCommand):
    help = "Scan uploaded files still waiting for a virus check."

    def handle(self, *args, **options):
        counts = {"clean": 0, "rejected": 0, "pending": 0}
        for stored_file in stored_files_pending().iterator():
            counts[stored_file_scan(stored_file=stored_file).scan_state] += 1
        self.stdout.write(
            f"{counts['clean']} clean, {counts['rejected']} rejected, "
            f"{counts['pending']} still pending."
        )
