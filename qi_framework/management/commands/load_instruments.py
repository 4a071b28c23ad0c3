"""Load every instrument data file in qi_framework/data/instruments/ (idempotent)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from qi_framework.instruments import DATA_DIR, instruments_load_all


class Command(BaseCommand):
    help = (
        "Load the instrument data files in a folder. An existing version is left as it is, so "
        "running this again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", default=str(DATA_DIR))

    def handle(self, *args, folder, **options):
        try:
            results = instruments_load_all(folder=Path(folder))
        except ApplicationError as error:
            problems = "\n".join(f"- {e}" for e in error.extra.get("errors", []))
            raise CommandError(f"{error.message}\n{problems}") from error
        for version, created in results:
            if created:
                self.stdout.write(self.style.SUCCESS(f"Loaded {version}."))
            else:
                self.stdout.write(f"{version} is already loaded; it was left as it is.")
