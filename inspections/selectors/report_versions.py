"""Reads for the inspection report's versions, verbal feedback and the feedback questionnaire.

Scoping: managers and the inspection team see every version; the inspected authority's contacts
and co-ordinators see published and superseded versions of their own inspection only; anyone
else sees nothing (the pages 404 before asking).
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from inspections.models import (
    Evaluation,
    FeedbackRequest,
    Inspection,
    Recommendation,
    ReportSection,
    ReportVersion,
    VerbalFeedback,
)

__all__ = [
    "PublicationPreview",
    "feedback_request_latest",
    "publication_preview",
    "publication_tasks",
    "report_version_of",
    "report_versions_visible",
    "verbal_feedback_get",
    "verbal_feedback_of",
]

V = ReportVersion.Status


def report_versions_visible(*, inspection: Inspection, user) -> QuerySet[ReportVersion]:
    """Return the versions of the inspection's report this person may see, newest first."""
    versions = ReportVersion.objects.filter(inspection=inspection).select_related(
        "document", "created_by", "approved_by", "figure_register"
    )
    if user.has_perm("inspections.view_report", inspection):
        return versions.order_by("-number")
    if user.has_perm("inspections.view_report_versions", inspection):
        return versions.exclude(status=V.DRAFT).order_by("-number")
    return versions.none()


def report_version_of(*, inspection: Inspection, number: int, user) -> ReportVersion | None:
    """Return one version the person may see, or None."""
    return report_versions_visible(inspection=inspection, user=user).filter(number=number).first()


def feedback_request_latest(*, inspection: Inspection) -> FeedbackRequest | None:
    """The latest sending of the feedback questionnaire, with its link, or None."""
    return (
        FeedbackRequest.objects.filter(inspection=inspection)
        .select_related("link", "sent_by")
        .first()
    )


def verbal_feedback_of(*, inspection: Inspection) -> QuerySet[VerbalFeedback]:
    return VerbalFeedback.objects.filter(inspection=inspection).select_related("recorded_by")


def verbal_feedback_get(*, inspection: Inspection, pk: int) -> VerbalFeedback | None:
    return verbal_feedback_of(inspection=inspection).filter(pk=pk).first()


@dataclass(frozen=True)
class PublicationPreview:
    """What publishing now would publish, for the manager's confirmation page."""

    evaluations: list[Evaluation]
    recommendations: int
    areas_for_improvement: int
    sections_written: list[str]
    sections_empty: list[str]
    verbal_feedback: int
    latest_draft: ReportVersion | None
    published: ReportVersion | None


def publication_preview(*, inspection: Inspection) -> PublicationPreview:
    evaluations = list(
        Evaluation.objects.filter(inspection=inspection)
        .select_related("quality_indicator")
        .order_by("quality_indicator__position")
    )
    labels = {level.value: level.label for level in inspection.activity.framework.scale.all()}
    for evaluation in evaluations:
        evaluation.grade_label = (
            f"{evaluation.grade} – {labels.get(evaluation.grade, '')}" if evaluation.grade else ""
        )
    kinds = list(
        Recommendation.objects.filter(inspection=inspection).values_list("kind", flat=True)
    )
    sections = list(ReportSection.objects.filter(inspection=inspection))
    versions = ReportVersion.objects.filter(inspection=inspection).select_related("document")
    published = versions.filter(status=V.PUBLISHED).first()
    drafts = versions.filter(status=V.DRAFT).order_by("-number")
    if published is not None:
        drafts = drafts.filter(number__gt=published.number)
    return PublicationPreview(
        evaluations=evaluations,
        recommendations=kinds.count(Recommendation.Kind.RECOMMENDATION),
        areas_for_improvement=kinds.count(Recommendation.Kind.AREA_FOR_IMPROVEMENT),
        sections_written=[str(s) for s in sections if s.body.strip()],
        sections_empty=[str(s) for s in sections if not s.body.strip()],
        verbal_feedback=VerbalFeedback.objects.filter(inspection=inspection).count(),
        latest_draft=drafts.first(),
        published=published,
    )


def publication_tasks(*, inspection: Inspection, user=None) -> list:
    """The inspection home's "Verbal feedback" and "Report versions and publication" steps, for
    the people who may open them."""
    from django.urls import reverse
    from django.utils import timezone

    from inspections.selectors.setup import InspectionTask, TaskState

    def may(permission: str) -> bool:
        return user is None or user.has_perm(permission, inspection)

    tasks = []
    if may("inspections.view_verbal_feedback"):
        count = VerbalFeedback.objects.filter(inspection=inspection).count()
        if count:
            state = TaskState.COMPLETED
        elif inspection.fieldwork_end and inspection.fieldwork_end <= timezone.localdate():
            state = TaskState.NOT_STARTED
        else:
            state = TaskState.CANNOT_START
        tasks.append(
            InspectionTask(
                "Verbal feedback",
                state,
                reverse("inspections:verbal_feedback_list", args=[inspection.pk]),
                f"{count} record{'s' if count != 1 else ''}" if count else "",
            )
        )
    if may("inspections.view_report_versions"):
        versions = report_versions_visible(inspection=inspection, user=user) if user else None
        if versions is None:
            versions = ReportVersion.objects.filter(inspection=inspection)
        published = versions.filter(status=V.PUBLISHED).first()
        if published is not None:
            state = TaskState.COMPLETED
            hint = f"Version {published.number} published on {published.published_at:%-d %B %Y}"
        elif versions.exists():
            state, hint = TaskState.IN_PROGRESS, "Drafts made, not yet published"
        elif inspection.status in {Inspection.Status.EVALUATION, Inspection.Status.REPORTING}:
            state, hint = TaskState.NOT_STARTED, ""
        else:
            state, hint = TaskState.CANNOT_START, ""
        tasks.append(
            InspectionTask(
                "Report versions and publication",
                state,
                reverse("inspections:report_version_list", args=[inspection.pk]),
                hint,
            )
        )
    return tasks
