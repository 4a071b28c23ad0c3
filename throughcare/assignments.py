"""The parts in a thematic review's team, registered at start-up (throughcare.apps).

The review lead and review inspectors are assigned on the ThematicReview. A review inspector
reads in every area, so the review's services also assign them as `inspector` on each area's
ScrutinyActivity, where the shared reading and moderation pages look. Local co-readers are
assigned per area, on the area's activity, with the inspections kind `local_co_reader`.
"""

from accounts.assignments import AssignmentKind, register_assignment_kind
from accounts.models import Role

REVIEW_LEAD = "review_lead"
REVIEW_INSPECTOR = "review_inspector"
REVIEW_TEAM = (REVIEW_LEAD, REVIEW_INSPECTOR)
TARGET = "throughcare.thematicreview"


def register() -> None:
    """Register the review's assignment kinds (idempotent)."""
    register_assignment_kind(
        AssignmentKind(REVIEW_LEAD, "Review lead", TARGET, frozenset({Role.INSPECTOR}))
    )
    register_assignment_kind(
        AssignmentKind(REVIEW_INSPECTOR, "Review inspector", TARGET, frozenset({Role.INSPECTOR}))
    )
