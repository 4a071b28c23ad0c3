"""Write a backup of the database and the stored files (`make backup`)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (one consistent snapshot) and every stored file, with a manifest "
        "of hashes and row counts, into a new folder under BACKUP_DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            dest="backup_dir",
            default=None,
            help="Folder to write the backup folder into (default: the BACKUP_DIR setting).",
        )

    def handle(self, *args, backup_dir, **options):
        try:
            result = backup_create(backup_dir=Path(backup_dir or settings.BACKUP_DIR))
        except BackupError as error:
            raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS(result.summary))
        if result.missing_files:
            self.stderr.write(
                f"Warning: {len(result.missing_files):,} files the database names were not in "
                f"storage (listed under missing_files in the manifest), for example "
                f"{result.missing_files[0]}."
            )
