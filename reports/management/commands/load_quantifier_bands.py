"""Load the quantifier bands data file (idempotent: bands already loaded are left as they are)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from reports.statistics import BANDS_FILE, quantifier_bands_load


class Command(BaseCommand):
    help = (
        "Load the quantifier bands (few, most, almost all...) used in report sentences. If any "
        "bands are already loaded nothing is changed, so administrators' edits stand."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(BANDS_FILE))

    def handle(self, *args, path, **options):
        added = quantifier_bands_load(path=Path(path))
        if added:
            self.stdout.write(self.style.SUCCESS(f"Added {added} quantifier bands."))
        else:
            self.stdout.write("Quantifier bands are already loaded; nothing was changed.")
