"""The one place review pages find their review or area: 404 for anyone outside it."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from throughcare.models import ReviewArea, ThematicReview

NOT_FOUND = "No such review"
AREA_NOT_FOUND = "No such area"


def review_or_404(user, pk: int, perm: str = "throughcare.view_review") -> ThematicReview:
    """Return review `pk` if the person has `perm` on it; anyone else gets a 404."""
    review = get_object_or_404(ThematicReview.objects.select_related("framework"), pk=pk)
    if not user.has_perm(perm, review):
        raise Http404(NOT_FOUND)
    return review


def area_or_404(
    user, review_pk: int, area_pk: int, perm: str = "throughcare.view_area"
) -> ReviewArea:
    """Return area `area_pk` of review `review_pk` if the person has `perm` on it, else 404."""
    area = get_object_or_404(
        ReviewArea.objects.select_related("review", "activity", "activity__authority"),
        pk=area_pk,
        review_id=review_pk,
    )
    if not user.has_perm(perm, area):
        raise Http404(AREA_NOT_FOUND)
    return area


def review_for(request, pk: int, permission: str = "") -> ThematicReview:
    """Return the review if the person may see it (else 404) and has `permission` (else 403)."""
    review = review_or_404(request.user, pk)
    if permission and not request.user.has_perm(permission, review):
        raise PermissionDenied
    return review


def area_for(request, pk: int, area_pk: int, permission: str = "") -> ReviewArea:
    """Return the area if the person may see it (else 404) and has `permission` (else 403)."""
    area = area_or_404(request.user, pk, area_pk)
    if permission and not request.user.has_perm(permission, area):
        raise PermissionDenied
    return area


STATUS_TAGS = {
    ThematicReview.Status.PLANNED: "govuk-tag--grey",
    ThematicReview.Status.FIELDWORK: "govuk-tag--blue",
    ThematicReview.Status.ANALYSIS: "govuk-tag--purple",
    ThematicReview.Status.REPORTING: "govuk-tag--turquoise",
    ThematicReview.Status.PUBLISHED: "govuk-tag--green",
    ThematicReview.Status.FOLLOW_UP: "govuk-tag--yellow",
    ThematicReview.Status.CLOSED: "govuk-tag--grey",
}
