"""Reads for thematic reviews: the scoped lists, the team and each area's progress."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from accounts.models import Role
from accounts.selectors import user_context
from inspections.models import ScrutinyActivity
from throughcare.assignments import REVIEW_TEAM
from throughcare.models import ReviewArea, ThematicReview
from throughcare.rules import CO_READER

__all__ = [
    "areas_visible_to",
    "review_team_ids",
    "reviews_visible_to",
]

AREA_STAFF_ROLES = {Role.AUTHORITY_CONTACT, Role.LOCAL_COORDINATOR}


def _sees_everything(user, context) -> bool:
    return context.has_role(Role.MANAGER, Role.ADMINISTRATOR) or user.is_superuser


def review_team_ids(*, user) -> set[int]:
    """Return the ids of the reviews whose team (lead or inspector) the person is on."""
    context = user_context(user)
    review_type = ContentType.objects.get_for_model(ThematicReview).id
    return {
        target_id
        for kind, target_type, target_id in context.assignments
        if target_type == review_type and kind in REVIEW_TEAM
    }


def _area_filter(context) -> Q | None:
    """The areas a person sees for their own part (authority staff, co-reader), or None."""
    activity_type = ContentType.objects.get_for_model(ScrutinyActivity).id
    activity_ids = {
        target_id
        for kind, target_type, target_id in context.assignments
        if target_type == activity_type and kind == CO_READER
    }
    authority_ids = {org for org, role in context.roles if role in AREA_STAFF_ROLES}
    if not activity_ids and not authority_ids:
        return None
    return Q(activity_id__in=activity_ids) | Q(activity__authority_id__in=authority_ids)


def reviews_visible_to(*, user) -> QuerySet[ThematicReview]:
    """Return the reviews a person may see at least part of.

    Managers and administrators see all; the review team sees its reviews; an area's authority
    staff and co-readers see the reviews their area takes part in (but only their area's pages:
    `throughcare.view_review` decides about the review's own home page).
    """
    qs = ThematicReview.objects.all()
    context = user_context(user)
    if context.user_id is None:
        return qs.none()
    if _sees_everything(user, context):
        return qs
    condition = Q(pk__in=review_team_ids(user=user))
    area_filter = _area_filter(context)
    if area_filter is not None:
        condition |= Q(pk__in=ReviewArea.objects.filter(area_filter).values("review_id"))
    return qs.filter(condition).distinct()


def areas_visible_to(*, user, review: ThematicReview) -> QuerySet[ReviewArea]:
    """Return the areas of `review` a person may see (the whole review for its team, managers)."""
    qs = ReviewArea.objects.filter(review=review).select_related(
        "activity", "activity__authority", "review"
    )
    context = user_context(user)
    if context.user_id is None:
        return qs.none()
    if _sees_everything(user, context) or review.pk in review_team_ids(user=user):
        return qs
    area_filter = _area_filter(context)
    if area_filter is None:
        return qs.none()
    return qs.filter(area_filter)
