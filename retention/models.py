"""Runs of the retention policy: record-level data deleted a set time after publication.

A run is either a dry run (a report of what is due, nothing deleted) or a deletion run; both
keep their report, so staff can see what went and when (ADR 0011).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class RetentionRun(models.Model):
    """One run of the retention policy, with its report (what is due, what was deleted)."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        PARTIAL = "partial", "Completed with failures"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField()
    cutoff = models.DateField(help_text="Activities published on or before this date are due.")
    # {"activities": [{"activity": id, "kind", "title", "authority", "published_on", "due_since",
    #   "counts": {kind of row: n}, "status", "error"}], "totals": {kind of row: n},
    #  "activity_ids": [ids listed]}
    report = models.JSONField(default=dict, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["dry_run", "started_at"], name="retention_run_kind")]

    def __str__(self) -> str:
        kind = "Dry run" if self.dry_run else "Deletion run"
        started = timezone.localtime(self.started_at)
        return f"{kind}, {started.day} {started:%B %Y %H:%M}"

    @property
    def trigger_label(self) -> str:
        return self.triggered_by.name if self.triggered_by_id else "Scheduled"

    @property
    def activities(self) -> list[dict]:
        return list((self.report or {}).get("activities", []))

    @property
    def totals(self) -> dict:
        return dict((self.report or {}).get("totals", {}))
