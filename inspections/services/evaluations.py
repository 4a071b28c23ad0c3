"""Writes for inspections: evaluations (grades for QIs) and recommendations.

Each member of the inspection team may propose a grade, with a rationale, for each QI the
inspection evaluates. The lead inspector records the agreed grade on the framework's six-point
scale, with its rationale, strengths and areas for improvement, and the capacity-for-improvement
statement. Agreeing locks every grade; unlocking needs a reason. Every change is audited with
the old and new values. Recommendations and areas for improvement are records of their own, tied
to the reported QIs they concern, and may change until the report is published.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.services import audit_record
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
    "CAPACITY_TOO_LONG",
    "EVALUATION_NOTHING_TO_AGREE",
    "EVALUATION_TEXT_TOO_LONG",
    "GRADES_ALREADY_LOCKED",
    "GRADES_LOCKED",
    "GRADES_MISSING",
    "GRADES_NOT_LOCKED",
    "GRADE_NOT_ON_SCALE",
    "GRADE_REQUIRED",
    "PROPOSAL_RATIONALE_REQUIRED",
    "QI_NOT_EVALUATED",
    "RECOMMENDATION_KIND_INVALID",
    "RECOMMENDATION_PUBLISHED",
    "RECOMMENDATION_QI_NOT_REPORTED",
    "RECOMMENDATION_QI_REQUIRED",
    "RECOMMENDATION_TEXT_REQUIRED",
    "RECOMMENDATION_TEXT_TOO_LONG",
    "TEXT_LIMIT",
    "UNLOCK_REASON_REQUIRED",
    "UNLOCK_REASON_TOO_LONG",
    "capacity_statement_save",
    "evaluation_missing",
    "grade_propose",
    "grades_agree",
    "grades_locked",
    "grades_unlock",
    "evaluation_record",
    "recommendation_create",
    "recommendation_delete",
    "recommendation_update",
]

TEXT_LIMIT = 10_000
REASON_LIMIT = 500

GRADES_LOCKED = (
    "The grades were agreed on {date} and are locked. The lead inspector must unlock them, "
    "giving a reason, before anything can change."
)
GRADES_ALREADY_LOCKED = "The grades have already been agreed and locked."
GRADES_NOT_LOCKED = "The grades are not locked, so there is nothing to unlock."
GRADES_MISSING = "The grades cannot be agreed yet. Complete what is missing first."
EVALUATION_NOTHING_TO_AGREE = "This inspection evaluates no QIs, so there are no grades to agree."
QI_NOT_EVALUATED = "{qi} is not evaluated in this inspection, so it has no grade."
GRADE_REQUIRED = "Choose a grade"
GRADE_NOT_ON_SCALE = "Choose a grade on the six-point scale, from 1 to 6"
PROPOSAL_RATIONALE_REQUIRED = "Enter the rationale for the grade you propose"
EVALUATION_TEXT_TOO_LONG = f"The {{field}} must be {TEXT_LIMIT:,} characters or fewer"
CAPACITY_TOO_LONG = (
    f"The capacity for improvement statement must be {TEXT_LIMIT:,} characters or fewer"
)
UNLOCK_REASON_REQUIRED = "Enter why the grades need to be unlocked"
UNLOCK_REASON_TOO_LONG = f"The reason must be {REASON_LIMIT} characters or fewer"
RECOMMENDATION_PUBLISHED = (
    "The report has been published, so its recommendations and areas for improvement can no "
    "longer change."
)
RECOMMENDATION_KIND_INVALID = "Choose whether this is a recommendation or an area for improvement"
RECOMMENDATION_TEXT_REQUIRED = "Enter the text"
RECOMMENDATION_TEXT_TOO_LONG = f"The text must be {TEXT_LIMIT:,} characters or fewer"
RECOMMENDATION_QI_REQUIRED = "Choose at least one QI it concerns"
RECOMMENDATION_QI_NOT_REPORTED = "{qi} is not reported on in this inspection"

PUBLISHED_OR_LATER = {
    Inspection.Status.PUBLISHED,
    Inspection.Status.IMPROVEMENT,
    Inspection.Status.CLOSED,
}


def _record_of(inspection: Inspection, *, for_update: bool = False) -> EvaluationRecord:
    """Return the inspection's evaluation record, locking its row when writing."""
    record, _ = EvaluationRecord.objects.get_or_create(inspection=inspection)
    if for_update:
        record = EvaluationRecord.objects.select_for_update().get(pk=record.pk)
    return record


def grades_locked(*, inspection: Inspection) -> bool:
    return EvaluationRecord.objects.filter(inspection=inspection, locked_at__isnull=False).exists()


def _refuse_if_locked(record: EvaluationRecord) -> None:
    if record.locked_at is not None:
        date = timezone.localtime(record.locked_at).strftime("%-d %B %Y")
        raise ApplicationError(GRADES_LOCKED.format(date=date), extra={"locked": True})


def _evaluated_qi(inspection: Inspection, quality_indicator: QualityIndicator) -> None:
    if not InspectionQI.objects.filter(
        inspection=inspection, quality_indicator=quality_indicator, evaluated=True
    ).exists():
        raise ApplicationError(QI_NOT_EVALUATED.format(qi=quality_indicator))


def _grade_check(inspection: Inspection, grade, *, required: bool) -> int | None:
    if grade in (None, ""):
        if required:
            raise ApplicationError(GRADE_REQUIRED, extra={"errors": [("grade", GRADE_REQUIRED)]})
        return None
    try:
        value = int(grade)
    except (TypeError, ValueError):
        value = 0
    if not ScaleLevel.objects.filter(
        framework_id=inspection.activity.framework_id, value=value
    ).exists():
        raise ApplicationError(
            GRADE_NOT_ON_SCALE, extra={"errors": [("grade", GRADE_NOT_ON_SCALE)]}
        )
    return value


def _texts_check(fields: dict[str, str], labels: dict[str, str]) -> dict[str, str]:
    cleaned = {name: (value or "").strip() for name, value in fields.items()}
    errors = [
        (name, EVALUATION_TEXT_TOO_LONG.format(field=labels[name]))
        for name, value in cleaned.items()
        if len(value) > TEXT_LIMIT
    ]
    if errors:
        raise ApplicationError(errors[0][1], extra={"errors": errors})
    return cleaned


@transaction.atomic
def grade_propose(
    *,
    inspection: Inspection,
    quality_indicator: QualityIndicator,
    grade,
    rationale: str,
    by,
    request=None,
) -> GradeProposal:
    """Create or change `by`'s proposed grade for an evaluated QI."""
    _refuse_if_locked(_record_of(inspection, for_update=True))
    _evaluated_qi(inspection, quality_indicator)
    value = _grade_check(inspection, grade, required=True)
    texts = _texts_check({"rationale": rationale}, {"rationale": "rationale"})
    if not texts["rationale"]:
        raise ApplicationError(
            PROPOSAL_RATIONALE_REQUIRED,
            extra={"errors": [("rationale", PROPOSAL_RATIONALE_REQUIRED)]},
        )
    proposal = GradeProposal.objects.filter(
        inspection=inspection, quality_indicator=quality_indicator, proposed_by=by
    ).first()
    old = {"grade": proposal.grade, "rationale": proposal.rationale} if proposal else None
    new = {"grade": value, "rationale": texts["rationale"]}
    if proposal is None:
        proposal = GradeProposal(
            inspection=inspection, quality_indicator=quality_indicator, proposed_by=by
        )
    proposal.grade = value
    proposal.rationale = texts["rationale"]
    proposal.save()
    if old != new:
        audit_record(
            action="evaluation.propose",
            actor=by,
            obj=proposal,
            old=old,
            new=new,
            request=request,
            detail=f"{inspection.title}: {quality_indicator.code}",
        )
    return proposal


EVALUATION_LABELS = {
    "rationale": "rationale",
    "strengths": "strengths",
    "areas_for_improvement": "areas for improvement",
}


def _evaluation_json(evaluation: Evaluation | None) -> dict | None:
    if evaluation is None:
        return None
    return {
        "grade": evaluation.grade,
        "rationale": evaluation.rationale,
        "strengths": evaluation.strengths,
        "areas_for_improvement": evaluation.areas_for_improvement,
    }


@transaction.atomic
def evaluation_record(
    *,
    inspection: Inspection,
    quality_indicator: QualityIndicator,
    grade,
    rationale: str = "",
    strengths: str = "",
    areas_for_improvement: str = "",
    by,
    request=None,
) -> Evaluation:
    """Record the agreed grade for an evaluated QI (the lead inspector's part).

    The grade may be left empty while the evaluation is being written; agreeing needs it.
    """
    _refuse_if_locked(_record_of(inspection, for_update=True))
    _evaluated_qi(inspection, quality_indicator)
    value = _grade_check(inspection, grade, required=False)
    texts = _texts_check(
        {
            "rationale": rationale,
            "strengths": strengths,
            "areas_for_improvement": areas_for_improvement,
        },
        EVALUATION_LABELS,
    )
    evaluation = Evaluation.objects.filter(
        inspection=inspection, quality_indicator=quality_indicator
    ).first()
    old = _evaluation_json(evaluation)
    if evaluation is None:
        evaluation = Evaluation(inspection=inspection, quality_indicator=quality_indicator)
    evaluation.grade = value
    for name, text in texts.items():
        setattr(evaluation, name, text)
    new = _evaluation_json(evaluation)
    if old != new:
        evaluation.agreed_by = by
        evaluation.agreed_at = timezone.now()
        evaluation.save()
        audit_record(
            action="evaluation.record",
            actor=by,
            obj=evaluation,
            old=old,
            new=new,
            request=request,
            detail=f"{inspection.title}: {quality_indicator.code}",
        )
    return evaluation


@transaction.atomic
def capacity_statement_save(
    *, inspection: Inspection, text: str, by, request=None
) -> EvaluationRecord:
    """Save the capacity-for-improvement statement."""
    record = _record_of(inspection, for_update=True)
    _refuse_if_locked(record)
    text = (text or "").strip()
    if len(text) > TEXT_LIMIT:
        raise ApplicationError(CAPACITY_TOO_LONG, extra={"errors": [("text", CAPACITY_TOO_LONG)]})
    old = record.capacity_for_improvement
    if old != text:
        record.capacity_for_improvement = text
        record.save(update_fields=["capacity_for_improvement"])
        audit_record(
            action="evaluation.capacity",
            actor=by,
            obj=record,
            old=old,
            new=text,
            request=request,
        )
    return record


def evaluation_missing(*, inspection: Inspection) -> list[str]:
    """List what must be done before the grades can be agreed, one sentence per gap."""
    evaluations = {
        e.quality_indicator_id: e for e in Evaluation.objects.filter(inspection=inspection)
    }
    missing = []
    for iqi in InspectionQI.objects.filter(inspection=inspection, evaluated=True).select_related(
        "quality_indicator"
    ):
        qi = iqi.quality_indicator
        evaluation = evaluations.get(qi.pk)
        gaps = []
        if evaluation is None or evaluation.grade is None:
            gaps.append("an agreed grade")
        if evaluation is None or not evaluation.rationale:
            gaps.append("a rationale")
        if gaps:
            missing.append(f"{qi.code} {qi.name} needs {' and '.join(gaps)}")
    record = EvaluationRecord.objects.filter(inspection=inspection).first()
    if record is None or not record.capacity_for_improvement:
        missing.append("The capacity for improvement statement is needed")
    return missing


@transaction.atomic
def grades_agree(*, inspection: Inspection, by, request=None) -> EvaluationRecord:
    """Agree the grades: every evaluated QI needs a grade and rationale. Locks them."""
    record = _record_of(inspection, for_update=True)
    if record.locked_at is not None:
        raise ApplicationError(GRADES_ALREADY_LOCKED)
    if not InspectionQI.objects.filter(inspection=inspection, evaluated=True).exists():
        raise ApplicationError(EVALUATION_NOTHING_TO_AGREE)
    missing = evaluation_missing(inspection=inspection)
    if missing:
        raise ApplicationError(GRADES_MISSING, extra={"missing": missing})
    record.locked_at = timezone.now()
    record.locked_by = by
    record.save(update_fields=["locked_at", "locked_by"])
    grades = {
        e.quality_indicator.code: e.grade
        for e in Evaluation.objects.filter(inspection=inspection).select_related(
            "quality_indicator"
        )
    }
    audit_record(
        action="evaluation.agree",
        actor=by,
        obj=record,
        old={"locked": False},
        new={"locked": True, "grades": grades},
        request=request,
    )
    return record


@transaction.atomic
def grades_unlock(*, inspection: Inspection, reason: str, by, request=None) -> EvaluationRecord:
    """Unlock agreed grades so they can change again. The reason is audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            UNLOCK_REASON_REQUIRED, extra={"errors": [("reason", UNLOCK_REASON_REQUIRED)]}
        )
    if len(reason) > REASON_LIMIT:
        raise ApplicationError(
            UNLOCK_REASON_TOO_LONG, extra={"errors": [("reason", UNLOCK_REASON_TOO_LONG)]}
        )
    record = _record_of(inspection, for_update=True)
    if record.locked_at is None:
        raise ApplicationError(GRADES_NOT_LOCKED)
    old = {"locked": True, "locked_at": record.locked_at.isoformat()}
    record.locked_at = None
    record.locked_by = None
    record.save(update_fields=["locked_at", "locked_by"])
    audit_record(
        action="evaluation.unlock",
        actor=by,
        obj=record,
        old=old,
        new={"locked": False, "reason": reason},
        request=request,
        detail=reason,
    )
    return record


# --- Recommendations -------------------------------------------------------------------------


def _recommendation_check(
    inspection: Inspection, kind: str, text: str, quality_indicators: Iterable[QualityIndicator]
) -> tuple[str, list[QualityIndicator]]:
    if inspection.status in PUBLISHED_OR_LATER:
        raise ApplicationError(RECOMMENDATION_PUBLISHED)
    errors = []
    if kind not in Recommendation.Kind.values:
        errors.append(("kind", RECOMMENDATION_KIND_INVALID))
    text = (text or "").strip()
    if not text:
        errors.append(("text", RECOMMENDATION_TEXT_REQUIRED))
    elif len(text) > TEXT_LIMIT:
        errors.append(("text", RECOMMENDATION_TEXT_TOO_LONG))
    qis = list(quality_indicators)
    reported = set(
        InspectionQI.objects.filter(inspection=inspection).values_list(
            "quality_indicator_id", flat=True
        )
    )
    if not qis:
        errors.append(("quality_indicators", RECOMMENDATION_QI_REQUIRED))
    for qi in qis:
        if qi.pk not in reported:
            errors.append(("quality_indicators", RECOMMENDATION_QI_NOT_REPORTED.format(qi=qi)))
    if errors:
        raise ApplicationError(errors[0][1], extra={"errors": errors})
    return text, qis


def _recommendation_json(recommendation: Recommendation, codes: list[str]) -> dict:
    return {"kind": recommendation.kind, "text": recommendation.text, "qis": codes}


@transaction.atomic
def recommendation_create(
    *,
    inspection: Inspection,
    kind: str,
    text: str,
    quality_indicators: Iterable[QualityIndicator],
    by,
    request=None,
) -> Recommendation:
    text, qis = _recommendation_check(inspection, kind, text, quality_indicators)
    position = Recommendation.objects.filter(inspection=inspection, kind=kind).count() + 1
    recommendation = Recommendation.objects.create(
        inspection=inspection, kind=kind, text=text, position=position, created_by=by
    )
    recommendation.quality_indicators.set(qis)
    audit_record(
        action="recommendation.create",
        actor=by,
        obj=recommendation,
        new=_recommendation_json(recommendation, sorted(q.code for q in qis)),
        request=request,
    )
    return recommendation


@transaction.atomic
def recommendation_update(
    *,
    recommendation: Recommendation,
    kind: str,
    text: str,
    quality_indicators: Iterable[QualityIndicator],
    by,
    request=None,
) -> Recommendation:
    inspection = recommendation.inspection
    text, qis = _recommendation_check(inspection, kind, text, quality_indicators)
    old = _recommendation_json(
        recommendation,
        sorted(recommendation.quality_indicators.values_list("code", flat=True)),
    )
    recommendation.kind = kind
    recommendation.text = text
    recommendation.save(update_fields=["kind", "text"])
    recommendation.quality_indicators.set(qis)
    new = _recommendation_json(recommendation, sorted(q.code for q in qis))
    if old != new:
        audit_record(
            action="recommendation.update",
            actor=by,
            obj=recommendation,
            old=old,
            new=new,
            request=request,
        )
    return recommendation


@transaction.atomic
def recommendation_delete(*, recommendation: Recommendation, by, request=None) -> None:
    if recommendation.inspection.status in PUBLISHED_OR_LATER:
        raise ApplicationError(RECOMMENDATION_PUBLISHED)
    old = _recommendation_json(
        recommendation,
        sorted(recommendation.quality_indicators.values_list("code", flat=True)),
    )
    audit_record(
        action="recommendation.delete", actor=by, obj=recommendation, old=old, request=request
    )
    recommendation.delete()
