"""Restore a backup folder into an empty database and file storage (`make restore FROM=...`)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder written by `manage.py backup` into the empty database named by "
        "DATABASE_URL and an empty MEDIA_ROOT, after checking every hash in its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="The backup folder, e.g. backups/20261126T130000Z")

    def handle(self, *args, folder, **options):
        # The restore works on its own connections; Django's must not keep a stale view.
        connections["default"].close()
        try:
            result = backup_restore(folder=Path(folder))
        except BackupError as error:
            raise CommandError(error.message) from error
        finally:
            connections["default"].close()
        self.stdout.write(self.style.SUCCESS(result.summary))
        if result.missing_files:
            self.stderr.write(
                f"Note: {len(result.missing_files):,} files the database names were already "
                "missing when the backup was made (listed under missing_files in its manifest)."
            )
