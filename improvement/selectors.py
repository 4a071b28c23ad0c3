"""Reads for improvement plans, always scoped to what the person may see."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Organisation, Role, User
from accounts.selectors import assignments_for, user_context
from improvement.models import (
    ElementComment,
    ImprovementAction,
    ImprovementPlan,
    PlanElement,
    ProgressUpdate,
)
from inspections.models import ScrutinyActivity

A = ImprovementAction.Status


def plan_list_visible_to(*, user) -> QuerySet[ImprovementPlan]:
    """Managers see every plan; the link inspector and lead see their inspections' plans; the
    inspected authority's contacts and co-ordinators see their own authority's plans."""
    today = timezone.localdate()
    open_actions = Q(elements__actions__status__in=[A.NOT_STARTED, A.IN_PROGRESS])
    qs = (
        ImprovementPlan.objects.select_related("inspection__activity__authority")
        .annotate(
            element_count=Count("elements", distinct=True),
            addressed_count=Count(
                "elements", filter=Q(elements__status="addressed"), distinct=True
            ),
            overdue_count=Count(
                "elements__actions",
                filter=open_actions & Q(elements__actions__due_date__lt=today),
                distinct=True,
            ),
        )
        .order_by("inspection__activity__authority__name")
    )
    context = user_context(user)
    if context.user_id is None:
        return qs.none()
    if context.has_role(Role.MANAGER):
        return qs
    activity_type = ContentType.objects.get_for_model(ScrutinyActivity).id
    organisation_type = ContentType.objects.get_for_model(Organisation).id
    lead_of, link_for = set(), set()
    for kind, target_type, target_id in context.assignments:
        if kind == "lead_inspector" and target_type == activity_type:
            lead_of.add(target_id)
        elif kind == "link_inspector" and target_type == organisation_type:
            link_for.add(target_id)
    if not context.has_role(Role.INSPECTOR):
        link_for = set()
    authority_ids = {
        org
        for org, role in context.roles
        if role in {Role.AUTHORITY_CONTACT, Role.LOCAL_COORDINATOR}
    }
    if not lead_of and not link_for and not authority_ids:
        return qs.none()
    return qs.filter(
        Q(inspection__activity_id__in=lead_of)
        | Q(inspection__activity__authority_id__in=link_for | authority_ids)
    )


def plan_elements(*, plan: ImprovementPlan) -> list[PlanElement]:
    """Return the plan's elements in report order, with actions, updates and comments."""
    elements = list(
        plan.elements.select_related("recommendation", "addressed_by").prefetch_related(
            "recommendation__quality_indicators",
            Prefetch(
                "actions",
                queryset=ImprovementAction.objects.prefetch_related(
                    Prefetch(
                        "updates",
                        queryset=ProgressUpdate.objects.select_related("author", "evidence"),
                    )
                ),
            ),
            Prefetch("comments", queryset=ElementComment.objects.select_related("author")),
        )
    )
    today = timezone.localdate()
    for element in elements:
        element.plan = plan
        for action in element.actions.all():
            action.is_overdue = action_is_overdue(action, today=today)
    return elements


def action_is_overdue(action: ImprovementAction, *, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return action.status != A.COMPLETE and action.due_date < today


@dataclass(frozen=True)
class PlanProgress:
    elements: int
    addressed: int
    actions: int
    complete: int
    overdue: int

    @property
    def open_elements(self) -> int:
        return self.elements - self.addressed


def plan_progress(*, elements: list[PlanElement]) -> PlanProgress:
    """Count elements addressed and actions complete or overdue (from plan_elements' rows)."""
    actions = [action for element in elements for action in element.actions.all()]
    return PlanProgress(
        elements=len(elements),
        addressed=sum(1 for e in elements if e.status == PlanElement.Status.ADDRESSED),
        actions=len(actions),
        complete=sum(1 for a in actions if a.status == A.COMPLETE),
        overdue=sum(1 for a in actions if action_is_overdue(a)),
    )


def link_inspector_of(*, plan: ImprovementPlan) -> User | None:
    """Return the link inspector for the plan's authority (assigned to the authority)."""
    authority = plan.inspection.activity.authority
    assignment = assignments_for(target=authority).filter(kind="link_inspector").first()
    return assignment.user if assignment else None


def lead_inspector_of(*, plan: ImprovementPlan) -> User | None:
    assignment = (
        assignments_for(target=plan.inspection.activity).filter(kind="lead_inspector").first()
    )
    return assignment.user if assignment else None


def link_inspector_candidates() -> QuerySet[User]:
    """Care Inspectorate inspectors who may be made link inspector."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.INSPECTOR,
            memberships__is_active=True,
            memberships__organisation__kind="care_inspectorate",
        )
        .distinct()
        .order_by("name")
    )


def element_get(*, plan: ImprovementPlan, pk: int) -> PlanElement | None:
    """Return one element of the plan (None if it is not this plan's)."""
    element = plan.elements.select_related("recommendation").filter(pk=pk).first()
    if element is not None:
        element.plan = plan
    return element


def action_get(*, plan: ImprovementPlan, pk: int) -> ImprovementAction | None:
    """Return one action of the plan (None if it is not this plan's)."""
    action = (
        ImprovementAction.objects.select_related("element__recommendation")
        .filter(element__plan=plan, pk=pk)
        .first()
    )
    if action is not None:
        action.element.plan = plan
    return action
