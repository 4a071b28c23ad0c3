"""The one place inspection pages find their inspection: 404 for anyone outside it."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from inspections.models import Inspection

NOT_FOUND = "No such inspection"


def visible_or_404(user, obj):
    """Return `obj` (an Inspection or a ScrutinyActivity) if the person may see it, else 404."""
    if not user.has_perm("inspections.view_inspection", obj):
        raise Http404(NOT_FOUND)
    return obj


def inspection_or_404(user, pk: int) -> Inspection:
    """Return the inspection `pk` if the person may see it; anyone else gets a 404."""
    inspection = get_object_or_404(
        Inspection.objects.select_related("activity", "activity__authority"), pk=pk
    )
    return visible_or_404(user, inspection)
