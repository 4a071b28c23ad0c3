"""Writes for recommendations to national partners, their tracking after publication, and
feedback to the commissioning subgroup."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.exceptions import ApplicationError
from core.services import audit_record
from qi_framework.models import QualityIndicator
from throughcare.models import (
    RecommendationUpdate,
    ReviewRecommendation,
    SubgroupFeedback,
    ThematicReview,
)

__all__ = [
    "recommendation_create",
    "recommendation_delete",
    "recommendation_move",
    "recommendation_track",
    "recommendation_update",
    "subgroup_feedback_record",
]

S = ThematicReview.Status
DRAFTING = {S.PLANNED, S.FIELDWORK, S.ANALYSIS, S.REPORTING}
TRACKING = {S.PUBLISHED, S.FOLLOW_UP, S.CLOSED}

TEXT_REQUIRED = "Enter the recommendation."
QI_NOT_CONSIDERED = "Choose QIs the review considers."
RECOMMENDATIONS_FIXED = (
    "The national report has been published, so its recommendations can no longer be changed: "
    "record progress as an update instead."
)
NOT_PUBLISHED_YET = "Progress can be recorded once the national report is published."
UPDATE_TEXT_REQUIRED = "Enter what has happened."
UNKNOWN_STATUS = "Choose a status from the list."
CANNOT_MOVE = "That recommendation is already {where}."
POINTS_REQUIRED = "Enter the points made."
FEEDBACK_IN_FUTURE = "Record feedback once it has been given: the date cannot be in the future."


def _check_qis(review: ThematicReview, qis: list[QualityIndicator]) -> None:
    allowed = set(review.quality_indicators.values_list("pk", flat=True))
    if any(qi.pk not in allowed for qi in qis):
        raise ApplicationError(
            QI_NOT_CONSIDERED, extra={"errors": [("quality_indicators", QI_NOT_CONSIDERED)]}
        )


def _check_drafting(review: ThematicReview) -> None:
    if review.status not in DRAFTING:
        raise ApplicationError(RECOMMENDATIONS_FIXED)


@transaction.atomic
def recommendation_create(
    *,
    review: ThematicReview,
    text: str,
    owner: str = "",
    quality_indicators: Iterable[QualityIndicator] = (),
    by,
    request=None,
) -> ReviewRecommendation:
    """Add a recommendation to national partners at the end of the list."""
    _check_drafting(review)
    text = (text or "").strip()
    if not text:
        raise ApplicationError(TEXT_REQUIRED, extra={"errors": [("text", TEXT_REQUIRED)]})
    qis = list(quality_indicators)
    _check_qis(review, qis)
    ThematicReview.objects.select_for_update().filter(pk=review.pk).first()
    position = (review.recommendations.aggregate(m=Max("position"))["m"] or 0) + 1
    recommendation = ReviewRecommendation.objects.create(
        review=review, text=text, owner=(owner or "").strip(), position=position, created_by=by
    )
    recommendation.quality_indicators.set(qis)
    audit_record(
        action="review_recommendation_created",
        actor=by,
        obj=recommendation,
        new={"text": text, "owner": recommendation.owner, "qis": [qi.code for qi in qis]},
        request=request,
    )
    return recommendation


@transaction.atomic
def recommendation_update(
    *,
    recommendation: ReviewRecommendation,
    text: str,
    owner: str = "",
    quality_indicators: Iterable[QualityIndicator] = (),
    by,
    request=None,
) -> ReviewRecommendation:
    """Change a recommendation's wording, owner or QIs before publication."""
    review = recommendation.review
    _check_drafting(review)
    text = (text or "").strip()
    if not text:
        raise ApplicationError(TEXT_REQUIRED, extra={"errors": [("text", TEXT_REQUIRED)]})
    qis = list(quality_indicators)
    _check_qis(review, qis)
    recommendation = ReviewRecommendation.objects.select_for_update().get(pk=recommendation.pk)
    old = {
        "text": recommendation.text,
        "owner": recommendation.owner,
        "qis": sorted(recommendation.quality_indicators.values_list("code", flat=True)),
    }
    recommendation.text = text
    recommendation.owner = (owner or "").strip()
    recommendation.save(update_fields=["text", "owner"])
    recommendation.quality_indicators.set(qis)
    new = {"text": text, "owner": recommendation.owner, "qis": sorted(qi.code for qi in qis)}
    if new != old:
        audit_record(
            action="review_recommendation_updated",
            actor=by,
            obj=recommendation,
            old=old,
            new=new,
            request=request,
        )
    return recommendation


@transaction.atomic
def recommendation_delete(*, recommendation: ReviewRecommendation, by, request=None) -> None:
    _check_drafting(recommendation.review)
    audit_record(
        action="review_recommendation_deleted",
        actor=by,
        obj=recommendation,
        old={"text": recommendation.text},
        request=request,
    )
    review = recommendation.review
    recommendation.delete()
    for position, pk in enumerate(
        review.recommendations.order_by("position", "pk").values_list("pk", flat=True), start=1
    ):
        ReviewRecommendation.objects.filter(pk=pk).update(position=position)


@transaction.atomic
def recommendation_move(
    *, recommendation: ReviewRecommendation, up: bool, by, request=None
) -> ReviewRecommendation:
    """Swap a recommendation with the one above (or below) it."""
    review = recommendation.review
    _check_drafting(review)
    ordered = list(review.recommendations.select_for_update().order_by("position", "pk"))
    index = next(i for i, r in enumerate(ordered) if r.pk == recommendation.pk)
    other = index - 1 if up else index + 1
    if other < 0 or other >= len(ordered):
        raise ApplicationError(CANNOT_MOVE.format(where="first" if up else "last"))
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    moved = ordered[other]
    audit_record(
        action="review_recommendation_moved",
        actor=by,
        obj=moved,
        new={"position": moved.position},
        request=request,
    )
    return moved


@transaction.atomic
def recommendation_track(
    *, recommendation: ReviewRecommendation, status: str, text: str, by, request=None
) -> RecommendationUpdate:
    """Record a dated update on a recommendation's progress after publication."""
    if recommendation.review.status not in TRACKING:
        raise ApplicationError(NOT_PUBLISHED_YET)
    if status not in ReviewRecommendation.Status.values:
        raise ApplicationError(UNKNOWN_STATUS, extra={"errors": [("status", UNKNOWN_STATUS)]})
    text = (text or "").strip()
    if not text:
        raise ApplicationError(
            UPDATE_TEXT_REQUIRED, extra={"errors": [("text", UPDATE_TEXT_REQUIRED)]}
        )
    recommendation = ReviewRecommendation.objects.select_for_update().get(pk=recommendation.pk)
    old = recommendation.status
    update = RecommendationUpdate.objects.create(
        recommendation=recommendation, status=status, text=text, recorded_by=by
    )
    if old != status:
        recommendation.status = status
        recommendation.save(update_fields=["status"])
    audit_record(
        action="review_recommendation_tracked",
        actor=by,
        obj=recommendation,
        old=old,
        new=status,
        detail=text,
        request=request,
    )
    return update


@transaction.atomic
def subgroup_feedback_record(
    *, review: ThematicReview, held_on: dt.date, points: str, attendees: str = "", by, request=None
) -> SubgroupFeedback:
    """Record feedback given to the commissioning body."""
    points = (points or "").strip()
    errors = []
    if not points:
        errors.append(("points", POINTS_REQUIRED))
    if held_on and held_on > timezone.localdate():
        errors.append(("held_on", FEEDBACK_IN_FUTURE))
    if errors:
        raise ApplicationError(errors[0][1], extra={"errors": errors})
    feedback = SubgroupFeedback.objects.create(
        review=review,
        held_on=held_on,
        points=points,
        attendees=(attendees or "").strip(),
        recorded_by=by,
    )
    audit_record(
        action="subgroup_feedback_recorded",
        actor=by,
        obj=feedback,
        new={"held_on": held_on.isoformat(), "points": points},
        request=request,
    )
    return feedback
