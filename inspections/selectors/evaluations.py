"""Reads for inspections: evaluations (proposed and agreed grades) and recommendations."""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from inspections.models import (
    Evaluation,
    EvaluationRecord,
    GradeProposal,
    Inspection,
    InspectionQI,
    Recommendation,
)
from qi_framework.models import QualityIndicator, ScaleLevel

__all__ = [
    "EvaluationRow",
    "evaluation_overview",
    "evaluation_record_of",
    "evaluation_row",
    "evaluation_scale",
    "recommendation_list",
    "reported_qis",
]


@dataclass
class EvaluationRow:
    quality_indicator: QualityIndicator
    proposals: list[GradeProposal] = field(default_factory=list)
    evaluation: Evaluation | None = None
    own_proposal: GradeProposal | None = None


def evaluation_scale(*, inspection: Inspection) -> list[ScaleLevel]:
    """The framework's six-point scale, highest first."""
    return list(
        ScaleLevel.objects.filter(framework_id=inspection.activity.framework_id).order_by("-value")
    )


def evaluation_record_of(*, inspection: Inspection) -> EvaluationRecord | None:
    return (
        EvaluationRecord.objects.filter(inspection=inspection).select_related("locked_by").first()
    )


def evaluation_overview(*, inspection: Inspection, user) -> list[EvaluationRow]:
    """One row per evaluated QI: the proposals by inspector and the agreed evaluation.

    Each proposal and evaluation carries `grade_label`, e.g. "4 – Good", from the framework's
    scale. Four queries whatever the number of QIs.
    """
    labels = {
        level.value: f"{level.value} – {level.label}"
        for level in evaluation_scale(inspection=inspection)
    }
    rows = {
        iqi.quality_indicator_id: EvaluationRow(quality_indicator=iqi.quality_indicator)
        for iqi in InspectionQI.objects.filter(inspection=inspection, evaluated=True)
        .select_related("quality_indicator")
        .order_by("quality_indicator__position")
    }
    for proposal in GradeProposal.objects.filter(inspection=inspection).select_related(
        "proposed_by"
    ):
        row = rows.get(proposal.quality_indicator_id)
        if row is None:
            continue
        proposal.grade_label = labels.get(proposal.grade, str(proposal.grade))
        row.proposals.append(proposal)
        if proposal.proposed_by_id == user.pk:
            row.own_proposal = proposal
    for evaluation in Evaluation.objects.filter(inspection=inspection).select_related("agreed_by"):
        row = rows.get(evaluation.quality_indicator_id)
        if row is not None:
            evaluation.grade_label = labels.get(evaluation.grade, "")
            row.evaluation = evaluation
    return list(rows.values())


def evaluation_row(*, inspection: Inspection, code: str, user) -> EvaluationRow | None:
    """The row of one evaluated QI by its code; None when the inspection does not evaluate it."""
    for row in evaluation_overview(inspection=inspection, user=user):
        if row.quality_indicator.code == code:
            return row
    return None


def reported_qis(*, inspection: Inspection) -> list[QualityIndicator]:
    """The QIs the inspection reports on, in framework order."""
    return list(
        QualityIndicator.objects.filter(inspectionqi__inspection=inspection).order_by("position")
    )


def recommendation_list(*, inspection: Inspection) -> list[Recommendation]:
    return list(
        Recommendation.objects.filter(inspection=inspection).prefetch_related(
            Prefetch("quality_indicators", queryset=QualityIndicator.objects.order_by("position"))
        )
    )
