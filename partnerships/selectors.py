"""Reads for supported and validated self-evaluation, scoped to what a person may see.

Partnership members see only their partnership's exercises; Care Inspectorate staff see all;
HMICS inspectors see only the exercises they are assigned to.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet

from accounts.models import Role
from accounts.selectors import assignments_for, user_context
from partnerships.models import (
    EvidenceLink,
    Exercise,
    ExerciseQI,
    FeedbackRequest,
    LetterPublication,
    PartnerOrganisation,
)


def exercise_list_visible_to(*, user) -> QuerySet[Exercise]:
    context = user_context(user)
    qs = Exercise.objects.select_related("partnership", "framework").prefetch_related(
        "partnership__covers"
    )
    if context.is_inspectorate_staff or getattr(user, "is_superuser", False):
        return qs
    partnership_ids = {org for org, role in context.roles if role == Role.PARTNERSHIP_MEMBER}
    ct = ContentType.objects.get_for_model(Exercise)
    assigned_ids = {
        target_id
        for kind, type_id, target_id in context.assignments
        if type_id == ct.id and kind == "hmics_inspector"
    }
    if not context.has_role(Role.HMICS_INSPECTOR):
        assigned_ids = set()
    return qs.filter(partnership_id__in=partnership_ids) | qs.filter(pk__in=assigned_ids)


def exercise_qis(*, exercise: Exercise) -> QuerySet[ExerciseQI]:
    return exercise.qis.select_related("quality_indicator").prefetch_related(
        "contributors",
        Prefetch(
            "evidence",
            queryset=EvidenceLink.objects.select_related("stored_file").order_by("created_at"),
        ),
    )


def exercise_team(*, exercise: Exercise) -> dict[str, list]:
    team = {"strategic_inspector": [], "hmics_inspector": []}
    for assignment in assignments_for(target=exercise):
        if assignment.kind in team:
            team[assignment.kind].append(assignment.user)
    return team


def partners_of(*, partnership) -> QuerySet[PartnerOrganisation]:
    return PartnerOrganisation.objects.filter(partnership=partnership).prefetch_related(
        "representatives"
    )


def partnership_chair(*, partnership):
    """Return the partnership chair (a Representative), or None."""
    for partner in partners_of(partnership=partnership):
        for representative in partner.representatives.all():
            if representative.is_chair:
                return representative
    return None


def letters_of(*, exercise: Exercise) -> QuerySet[LetterPublication]:
    return exercise.letters.select_related("document", "published_by")


def feedback_request_latest(*, exercise: Exercise) -> FeedbackRequest | None:
    """The latest sending of the feedback questionnaire, with its link, or None."""
    return exercise.feedback_requests.select_related("link", "sent_by").first()
