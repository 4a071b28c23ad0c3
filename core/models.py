"""Abstract base models shared by every app."""

import uuid

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")


class AuditEvent(models.Model):
    """One entry of the append-only event log. Written only by core.services.audit_record.

    Nothing in the application can change or delete an entry: the model and its queryset
    refuse, and on PostgreSQL a trigger refuses UPDATE and DELETE from any client.
    """

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        "accounts.User",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")


class PublicHoliday(models.Model):
    """A day that is not a working day in a region, read by the working-day calendar.

    Seeded from core/data/scottish_public_holidays.json (UNVERIFIED, configurable) by
    `manage.py load_holidays`; administrators add and remove days (core.calendar services).
    """

    date = models.DateField()
    name = models.CharField(max_length=100)
    region = models.CharField(max_length=40, default="scotland")

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["region", "date"], name="public_holiday_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date.day} {self.date:%B %Y})"


def _stored_file_path(instance: "StoredFile", filename: str) -> str:
    # The person's file name never reaches the storage: a random path, no extension.
    return f"uploads/{instance.purpose}/{instance.id.hex}"


class StoredFile(models.Model):
    """One uploaded file that passed the checks (core.uploads), kept in private storage.

    Written only by core.uploads.services; downloaded only through core:file_download, which
    asks the owner object's permissions (or, for a file not yet attached, the uploader's).
    """

    class ScanState(models.TextChoices):
        PENDING = "pending", "Waiting for a virus check"
        CLEAN = "clean", "Clean"
        REJECTED = "rejected", "Rejected"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=40, help_text="The upload policy's code.")
    original_name = models.CharField(max_length=255)
    safe_name = models.CharField(max_length=150)
    kind = models.CharField(max_length=16)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=_stored_file_path, max_length=200)
    scan_state = models.CharField(
        max_length=10, choices=ScanState.choices, default=ScanState.PENDING
    )
    scan_detail = models.CharField(max_length=300, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="uploaded_files"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    owner_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_id = models.CharField(max_length=64, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["owner_type", "owner_id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(scan_state__in=["pending", "clean", "rejected"]),
                name="storedfile_scan_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(owner_type__isnull=True, owner_id="")
                | Q(owner_type__isnull=False) & ~Q(owner_id=""),
                name="storedfile_owner_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.safe_name
