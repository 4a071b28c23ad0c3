"""Load the public holidays data file (idempotent: a year already present is left as it is)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from core.calendar import HOLIDAYS_FILE, public_holidays_load


class Command(BaseCommand):
    help = (
        "Load public holidays for the working-day calendar. A year that already has holidays "
        "for the region is left as it is, so administrators' changes stand."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(HOLIDAYS_FILE))

    def handle(self, *args, path, **options):
        added = public_holidays_load(path=Path(path))
        if added:
            self.stdout.write(self.style.SUCCESS(f"Added {added} public holidays."))
        else:
            self.stdout.write("Every year in the file is already loaded; nothing was changed.")
