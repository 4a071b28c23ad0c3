"""Load the QI framework data file as a version, never overwriting an existing one."""

from pathlib import Path

from django.core.management.base import BaseCommand

from qi_framework.services import DEFAULT_DATA_FILE, framework_load


class Command(BaseCommand):
    help = "Load a QI framework data file (idempotent: an existing version is left as it is)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_DATA_FILE))

    def handle(self, *args, path, **options):
        framework, created = framework_load(path=Path(path))
        if created:
            self.stdout.write(self.style.SUCCESS(f"Loaded {framework}."))
        else:
            self.stdout.write(f"{framework} is already loaded; it was left as it is.")
