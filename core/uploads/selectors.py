"""Reads of stored files."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.models import StoredFile


def stored_file_get(*, pk) -> StoredFile | None:
    return StoredFile.objects.select_related("owner_type").filter(pk=pk).first()


def stored_files_of(*, owner: models.Model) -> models.QuerySet[StoredFile]:
    """Return the files attached to `owner`, newest first."""
    return StoredFile.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=str(owner.pk)
    )


def stored_files_pending() -> models.QuerySet[StoredFile]:
    return StoredFile.objects.filter(scan_state=StoredFile.ScanState.PENDING).order_by(
        "uploaded_at"
    )
