"""Demo data: improvement plans in progress for the demo inspections that have been published.

Runs after the inspections (order 30) and their publication (order 50): for each demo
inspection at "published" or "improvement monitoring", opens its plan and, if the plan has no
actions yet, adds actions, progress and the link inspector's comments through the services.
Some actions are overdue and some elements are signed off, so every page has something to show.
An inspection that is not published is left alone, and a second run changes nothing.
"""

import datetime as dt

from django.utils import timezone

from accounts.models import Membership, Organisation, Role, User
from accounts.selectors import assignments_for
from accounts.services import assignment_create
from core.demo import DEMO_PASSWORD, DemoContext, DemoLogin, register_demo_step
from improvement import services
from improvement.models import ImprovementAction, ImprovementPlan
from inspections.models import Inspection
from qi_framework.models import ScrutinyKind

# (what will be done, owner, days from today it is due, status, progress update or "")
DEMO_ACTIONS = [
    (
        "Audit a sample of LS/CMI assessments each month and report timeliness to the justice "
        "management team.",
        "Justice service manager",
        -45,
        ImprovementAction.Status.COMPLETE,
        "Monthly audits are in place. The March audit found 18 of 20 assessments completed "
        "within 20 working days.",
    ),
    (
        "Introduce a case management plan template with SMART objectives and train all "
        "justice social workers in its use.",
        "Senior practitioner (practice development)",
        -14,
        ImprovementAction.Status.IN_PROGRESS,
        "The template has been agreed. Training for the Clydebank team is booked; other teams "
        "will follow.",
    ),
    (
        "Review supervision arrangements for staff managing people who present a risk of "
        "serious harm, including frequency and recording.",
        "Team leader, public protection",
        60,
        ImprovementAction.Status.NOT_STARTED,
        "",
    ),
]
LINK_COMMENTS = [
    "Good progress. Please share the audit results with us at our next quarterly meeting.",
    "The training plan looks sound. Please tell us when every team has completed it.",
]


def _published_demo_inspections():
    from inspections.demo import INSPECTIONS

    slugs = [spec.slug for spec in INSPECTIONS]
    return (
        Inspection.objects.filter(
            activity__authority__slug__in=slugs,
            activity__scrutiny_kind=ScrutinyKind.CPO_INSPECTION,
            status__in=[Inspection.Status.PUBLISHED, Inspection.Status.IMPROVEMENT],
        )
        .select_related("activity__authority")
        .order_by("pk")
    )


def _authority_contact(authority: Organisation, context: DemoContext) -> User:
    membership = (
        Membership.objects.filter(
            organisation=authority, role=Role.AUTHORITY_CONTACT, is_active=True
        )
        .select_related("user")
        .order_by("created_at")
        .first()
    )
    if membership is not None:
        return membership.user
    email = f"contact-{authority.slug}@demo.test"
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, name=f"{authority.name} contact", password=DEMO_PASSWORD
    )
    Membership.objects.update_or_create(
        user=user, organisation=authority, role=Role.AUTHORITY_CONTACT,
        defaults={"is_active": True},
    )  # fmt: skip
    context.logins.append(
        DemoLogin(
            role=Role.AUTHORITY_CONTACT.label, name=user.name, email=email,
            organisation=authority.name,
            notes=[f"Updates {authority.name}’s improvement plan"],
        )
    )  # fmt: skip
    return user


def _link_inspector(authority: Organisation, context: DemoContext) -> User | None:
    assignment = assignments_for(target=authority).filter(kind="link_inspector").first()
    if assignment is not None:
        return assignment.user
    inspector = context.people.get("inspector2") or context.people.get("inspector")
    if inspector is None:
        return None
    assignment_create(
        user=inspector, kind="link_inspector", target=authority,
        by=context.people.get("manager"),
    )  # fmt: skip
    return inspector


@register_demo_step(order=60)
def demo_improvement_plans(context: DemoContext) -> None:
    """Open the plans of published demo inspections and fill them with progress."""
    manager = context.people.get("manager")
    for inspection in _published_demo_inspections():
        authority = inspection.activity.authority
        plan = services.improvement_plan_open(inspection=inspection, by=manager)
        if ImprovementAction.objects.filter(element__plan=plan).exists():
            continue
        _fill(plan, contact=_authority_contact(authority, context),
              link=_link_inspector(authority, context))  # fmt: skip


def _fill(plan: ImprovementPlan, *, contact: User, link: User | None) -> None:
    today = timezone.localdate()
    elements = list(plan.elements.select_related("recommendation", "plan"))
    for index, element in enumerate(elements):
        description, owner, days, status, progress = DEMO_ACTIONS[index % len(DEMO_ACTIONS)]
        action = services.action_create(
            element=element, description=description, owner_name=owner,
            due_date=today + dt.timedelta(days=days), by=contact,
        )  # fmt: skip
        if status != ImprovementAction.Status.NOT_STARTED:
            services.action_update(
                action=action, description=description, owner_name=owner,
                due_date=action.due_date, status=status, by=contact,
            )  # fmt: skip
        if progress:
            services.progress_update_add(action=action, text=progress, by=contact)
        if link is None or index >= len(LINK_COMMENTS):
            continue
        services.element_comment_add(element=element, body=LINK_COMMENTS[index], by=link)
        # Sign off the first element, never the last open one, so the plan stays in progress.
        if status == ImprovementAction.Status.COMPLETE and len(elements) > 1:
            services.element_mark_addressed(
                element=element, by=link,
                comment="The audits show sustained improvement. This element is addressed.",
            )  # fmt: skip
