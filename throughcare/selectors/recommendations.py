"""Reads for recommendations to national partners and feedback to the commissioners."""

from django.db.models import Prefetch, QuerySet

from throughcare.models import (
    RecommendationUpdate,
    ReviewRecommendation,
    SubgroupFeedback,
    ThematicReview,
)

__all__ = ["recommendation_list", "subgroup_feedback_list"]


def recommendation_list(*, review: ThematicReview) -> QuerySet[ReviewRecommendation]:
    """Return the review's recommendations in order, with their QIs and updates."""
    return review.recommendations.order_by("position", "pk").prefetch_related(
        "quality_indicators",
        Prefetch(
            "updates",
            queryset=RecommendationUpdate.objects.select_related("recorded_by").order_by(
                "recorded_at", "pk"
            ),
        ),
    )


def subgroup_feedback_list(*, review: ThematicReview) -> QuerySet[SubgroupFeedback]:
    return SubgroupFeedback.objects.filter(review=review).select_related("recorded_by")
