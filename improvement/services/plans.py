"""Writes for the plan as a whole: opening it, the link inspector, and the inspectors' side
(comments, signing elements off, reopening them). The last element signed off closes the plan
and moves the inspection to "closed"; reopening an element reopens the plan.

Every change is audited and increases the plan's revision (`plan_touch`), so the progress
document made after it is a new document.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Assignment
from accounts.selectors import assignments_for
from accounts.services import assignment_create, assignment_end
from core.exceptions import ApplicationError
from core.services import audit_record
from improvement.models import ElementComment, ImprovementAction, ImprovementPlan, PlanElement
from inspections.models import Inspection, Recommendation

S = Inspection.Status
A = ImprovementAction.Status

LINK_INSPECTOR = "link_inspector"
TEXT_LIMIT = 5000

__all__ = [
    "element_comment_add",
    "element_mark_addressed",
    "element_reopen",
    "improvement_plan_open",
    "link_inspector_assign",
]

# --- Messages people see -----------------------------------------------------------------------

NOT_PUBLISHED = (
    "An improvement plan starts when the inspection report is published. This inspection is "
    "at “{status}”."
)
PLAN_CLOSED = (
    "The improvement plan is closed: every element has been addressed. Ask the link inspector "
    "to reopen an element if more work is needed."
)
ELEMENT_ADDRESSED = (
    "This element has been signed off as addressed. Ask the link inspector to reopen it before "
    "changing its actions."
)
ELEMENT_ALREADY_ADDRESSED = "This element has already been marked as addressed."
ELEMENT_NOT_ADDRESSED = "This element is not marked as addressed, so there is nothing to reopen."
ELEMENT_NO_ACTIONS = (
    "The authority has not added any actions for this element yet. Wait for at least one "
    "action before marking it as addressed."
)
REOPEN_REASON_REQUIRED = "Give a reason for reopening this element."
DESCRIPTION_REQUIRED = "Describe the action."
DESCRIPTION_TOO_LONG = f"The description must be {TEXT_LIMIT:,} characters or fewer."
OWNER_REQUIRED = "Enter the name of the person who owns the action."
DUE_DATE_REQUIRED = "Enter the date the action is due."
STATUS_INVALID = "Choose whether the action is not started, in progress or complete."
UPDATE_REQUIRED = "Describe the progress made."
UPDATE_TOO_LONG = f"The progress update must be {TEXT_LIMIT:,} characters or fewer."
COMMENT_REQUIRED = "Enter a comment."
COMMENT_TOO_LONG = f"The comment must be {TEXT_LIMIT:,} characters or fewer."
ALREADY_LINK_INSPECTOR = "{name} is already the link inspector."
ACTION_CHANGED_ELSEWHERE = (
    "{name} changed this action while you were editing it. Your changes have not been saved: "
    "check the action as it is now and make your changes again."
)


def plan_touch(plan: ImprovementPlan) -> None:
    """Count one more change to the plan (its progress document becomes a new version)."""
    ImprovementPlan.objects.filter(pk=plan.pk).update(
        revision=F("revision") + 1, updated_at=timezone.now()
    )
    plan.refresh_from_db(fields=["revision", "updated_at"])


def plan_locked(plan: ImprovementPlan) -> ImprovementPlan:
    return ImprovementPlan.objects.select_for_update().select_related("inspection").get(pk=plan.pk)


# --- Opening -----------------------------------------------------------------------------------


@transaction.atomic
def improvement_plan_open(*, inspection: Inspection, by, request=None) -> ImprovementPlan:
    """Open the inspection's improvement plan, once: one element per recommendation and area
    for improvement, and the inspection moves from "published" to "improvement monitoring".

    Calling it again returns the same plan (adding elements for any recommendation it lacks).
    """
    from inspections.services import inspection_transition

    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    plan = ImprovementPlan.objects.filter(inspection=inspection).first()
    if plan is None:
        if inspection.status not in {S.PUBLISHED, S.IMPROVEMENT}:
            raise ApplicationError(NOT_PUBLISHED.format(status=inspection.get_status_display()))
        plan = ImprovementPlan.objects.create(inspection=inspection, opened_by=by)
        audit_record(
            action="improvement_plan_opened", actor=by, obj=plan, new={"status": "open"},
            request=request,
        )  # fmt: skip
    existing = set(plan.elements.values_list("recommendation_id", flat=True))
    missing = [
        recommendation
        for recommendation in Recommendation.objects.filter(inspection=inspection)
        if recommendation.pk not in existing
    ]
    PlanElement.objects.bulk_create(
        PlanElement(plan=plan, recommendation=recommendation) for recommendation in missing
    )
    if missing and existing:
        plan_touch(plan)
    if inspection.status == S.PUBLISHED:
        inspection_transition(
            inspection=inspection, to=S.IMPROVEMENT, by=by,
            reason="The improvement plan has been opened.", request=request,
        )  # fmt: skip
    return plan


# --- The link inspector ------------------------------------------------------------------------


@transaction.atomic
def link_inspector_assign(*, plan: ImprovementPlan, user, by, request=None) -> Assignment:
    """Make `user` (a Care Inspectorate inspector) the link inspector for the plan's authority,
    replacing any (the link inspector is assigned to the authority, not to one inspection)."""
    authority = plan.inspection.activity.authority
    current = list(assignments_for(target=authority).filter(kind=LINK_INSPECTOR))
    if any(a.user_id == user.pk for a in current):
        raise ApplicationError(ALREADY_LINK_INSPECTOR.format(name=user.name))
    for assignment in current:
        assignment_end(assignment=assignment, by=by, request=request)
    assignment = assignment_create(
        user=user, kind=LINK_INSPECTOR, target=authority, by=by, request=request
    )
    plan_touch(plan)
    return assignment


# --- The inspectors' side ----------------------------------------------------------------------


@transaction.atomic
def element_comment_add(*, element: PlanElement, body: str, by, request=None) -> ElementComment:
    """Add an inspector's comment on an element (the authority sees it on the plan)."""
    plan = plan_locked(element.plan)
    body = (body or "").strip()
    if not body:
        raise ApplicationError(COMMENT_REQUIRED, extra={"errors": [("body", COMMENT_REQUIRED)]})
    if len(body) > TEXT_LIMIT:
        raise ApplicationError(COMMENT_TOO_LONG, extra={"errors": [("body", COMMENT_TOO_LONG)]})
    comment = ElementComment.objects.create(element=element, body=body, author=by)
    audit_record(
        action="improvement_comment_added", actor=by, obj=comment, new={"body": body},
        request=request,
    )  # fmt: skip
    plan_touch(plan)
    return comment


@transaction.atomic
def element_mark_addressed(
    *, element: PlanElement, by, comment: str = "", request=None
) -> PlanElement:
    """Sign an element off as addressed; the last one closes the plan and the inspection."""
    plan = plan_locked(element.plan)
    element = PlanElement.objects.select_for_update().get(pk=element.pk)
    if element.status == PlanElement.Status.ADDRESSED:
        raise ApplicationError(ELEMENT_ALREADY_ADDRESSED)
    if not element.actions.exists():
        raise ApplicationError(ELEMENT_NO_ACTIONS)
    element.status = PlanElement.Status.ADDRESSED
    element.addressed_at = timezone.now()
    element.addressed_by = by
    element.save(update_fields=["status", "addressed_at", "addressed_by", "updated_at"])
    ElementComment.objects.create(
        element=element, kind=ElementComment.Kind.ADDRESSED, body=(comment or "").strip(),
        author=by,
    )  # fmt: skip
    audit_record(
        action="improvement_element_addressed", actor=by, obj=element, old="open",
        new="addressed", detail=(comment or "").strip(), request=request,
    )  # fmt: skip
    if not plan.elements.filter(status=PlanElement.Status.OPEN).exists():
        _plan_close(plan, by=by, request=request)
    plan_touch(plan)
    element.plan = plan
    return element


def _plan_close(plan: ImprovementPlan, *, by, request=None) -> None:
    from inspections.services import inspection_transition

    plan.status = ImprovementPlan.Status.CLOSED
    plan.closed_at = timezone.now()
    plan.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(
        action="improvement_plan_closed", actor=by, obj=plan, old="open", new="closed",
        request=request,
    )  # fmt: skip
    inspection = plan.inspection
    inspection.refresh_from_db(fields=["status"])
    if inspection.status == S.IMPROVEMENT:
        inspection_transition(
            inspection=inspection, to=S.CLOSED, by=by,
            reason="Every element of the improvement plan has been addressed.", request=request,
        )  # fmt: skip


@transaction.atomic
def element_reopen(*, element: PlanElement, reason: str, by, request=None) -> PlanElement:
    """Reopen an addressed element (with a reason); a closed plan reopens with it."""
    plan = plan_locked(element.plan)
    element = PlanElement.objects.select_for_update().get(pk=element.pk)
    reason = (reason or "").strip()
    if element.status != PlanElement.Status.ADDRESSED:
        raise ApplicationError(ELEMENT_NOT_ADDRESSED)
    if not reason:
        raise ApplicationError(
            REOPEN_REASON_REQUIRED, extra={"errors": [("reason", REOPEN_REASON_REQUIRED)]}
        )
    element.status = PlanElement.Status.OPEN
    element.addressed_at = None
    element.addressed_by = None
    element.save(update_fields=["status", "addressed_at", "addressed_by", "updated_at"])
    ElementComment.objects.create(
        element=element, kind=ElementComment.Kind.REOPENED, body=reason, author=by
    )
    audit_record(
        action="improvement_element_reopened", actor=by, obj=element, old="addressed",
        new="open", detail=reason, request=request,
    )  # fmt: skip
    if plan.status == ImprovementPlan.Status.CLOSED:
        _plan_reopen(plan, reason=reason, by=by, request=request)
    plan_touch(plan)
    element.plan = plan
    return element


def _plan_reopen(plan: ImprovementPlan, *, reason: str, by, request=None) -> None:
    from inspections.services import inspection_transition
    from inspections.services.setup import ALLOWED_TRANSITIONS

    plan.status = ImprovementPlan.Status.OPEN
    plan.closed_at = None
    plan.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(
        action="improvement_plan_reopened", actor=by, obj=plan, old="closed", new="open",
        detail=reason, request=request,
    )  # fmt: skip
    inspection = plan.inspection
    inspection.refresh_from_db(fields=["status"])
    # The inspections lifecycle decides whether a closed inspection may return to improvement
    # monitoring; where it may not, the plan reopens and the inspection stays closed.
    if inspection.status == S.CLOSED and S.IMPROVEMENT in ALLOWED_TRANSITIONS.get(S.CLOSED, ()):
        inspection_transition(
            inspection=inspection, to=S.IMPROVEMENT, by=by, reason=reason, request=request
        )
