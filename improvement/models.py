"""Improvement plans: the authority's answer to a published CPO inspection.

One plan per inspection; one element per recommendation or area for improvement in the report.
The authority adds actions to each element (owner, due date, status) and progress updates with
evidence files; the link inspector comments and signs each element off as addressed. The plan
closes when every element is addressed. `revision` counts every change, so each state of the
plan has its own progress document.
"""

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel


class ImprovementPlan(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", "In progress"
        CLOSED = "closed", "Closed"

    inspection = models.OneToOneField(
        "inspections.Inspection", on_delete=models.PROTECT, related_name="improvement_plan"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    revision = models.PositiveIntegerField(
        default=1, help_text="Increases with every change to the plan."
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Improvement plan: {self.inspection}"


class PlanElement(TimeStampedModel):
    """A recommendation or area for improvement the authority must address."""

    class Status(models.TextChoices):
        OPEN = "open", "Not yet addressed"
        ADDRESSED = "addressed", "Addressed"

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="elements")
    recommendation = models.ForeignKey(
        "inspections.Recommendation", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    addressed_at = models.DateTimeField(null=True, blank=True)
    addressed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        # Recommendations first, then areas for improvement, each in report order.
        ordering = ["-recommendation__kind", "recommendation__position", "recommendation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "recommendation"], name="plan_element_unique_recommendation"
            )
        ]

    def __str__(self) -> str:
        recommendation = self.recommendation
        return f"{recommendation.get_kind_display()} {recommendation.position}"


class ImprovementAction(TimeStampedModel):
    """Something the authority will do towards an element, with an owner and a due date."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETE = "complete", "Complete"

    element = models.ForeignKey(PlanElement, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner_name = models.CharField(max_length=150)
    owner_email = models.EmailField(blank=True)
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last overdue reminder was sent."
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Increases with every change, so a stale edit is detected."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        text = self.description.strip().splitlines()[0] if self.description.strip() else ""
        return text[:80] or f"Action {self.pk}"


class ProgressUpdate(models.Model):
    """A note of progress on an action, optionally with an evidence file (owned by the update)."""

    action = models.ForeignKey(ImprovementAction, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField()
    evidence = models.ForeignKey(
        "core.StoredFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Progress on {self.action}"


class ElementComment(models.Model):
    """The inspectors' side of an element: comments, sign-off and reopening, in order."""

    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        ADDRESSED = "addressed", "Marked as addressed"
        REOPENED = "reopened", "Reopened"

    element = models.ForeignKey(PlanElement, on_delete=models.CASCADE, related_name="comments")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.COMMENT)
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.element}"
