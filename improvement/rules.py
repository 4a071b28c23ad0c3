"""Who may see and do what on improvement plans.

Objects are an ImprovementPlan or anything in it (element, action, progress update), which
resolve to the plan's inspection activity.
- The inspected authority's contacts and local co-ordinators see their own authority's plan and
  edit it: actions, progress updates, evidence.
- The link inspector (assigned to the authority: accounts' "link_inspector" kind), the
  inspection's lead inspector and managers see every part of it and
  comment; the link inspector or a manager marks elements addressed (and reopens them).
- A manager or the lead assigns the link inspector.
- Nobody else sees anything: the scoped selector gives them a 404.
"""

import rules

from accounts.models import Role
from accounts.rules import has_role
from accounts.selectors import user_context

LINK_INSPECTOR = "link_inspector"
LEAD = "lead_inspector"


def plan_of(obj):
    """Return the ImprovementPlan behind a plan, element, action or progress update."""
    from improvement.models import (
        ImprovementAction,
        ImprovementPlan,
        PlanElement,
        ProgressUpdate,
    )

    if isinstance(obj, ImprovementPlan):
        return obj
    if isinstance(obj, PlanElement):
        return obj.plan
    if isinstance(obj, ImprovementAction):
        return obj.element.plan
    if isinstance(obj, ProgressUpdate):
        return obj.action.element.plan
    return None


def _activity(obj):
    plan = plan_of(obj)
    return plan.inspection.activity if plan is not None else None


def assigned(*kinds: str):
    """True when the person holds one of `kinds` on the plan's inspection activity."""

    @rules.predicate(name=f"improvement_assigned({', '.join(kinds)})")
    def predicate(user, obj) -> bool:
        activity = _activity(obj)
        return activity is not None and user_context(user).is_assigned(activity, *kinds)

    return predicate


@rules.predicate
def is_authority_link_inspector(user, obj) -> bool:
    """The link inspector assigned to the plan's authority (accounts' "link_inspector" kind)."""
    activity = _activity(obj)
    return activity is not None and user_context(user).is_assigned(
        activity.authority, LINK_INSPECTOR
    )


@rules.predicate
def is_authority_staff(user, obj) -> bool:
    """A contact or co-ordinator of the authority whose plan it is."""
    activity = _activity(obj)
    if activity is None:
        return False
    return any(
        org == activity.authority_id and role in {Role.AUTHORITY_CONTACT, Role.LOCAL_COORDINATOR}
        for org, role in user_context(user).roles
    )


is_manager = has_role(Role.MANAGER)
is_link_inspector = has_role(Role.INSPECTOR) & is_authority_link_inspector
is_lead = assigned(LEAD)
is_inspectorate_side = is_link_inspector | is_lead | is_manager
can_view = is_authority_staff | is_inspectorate_side

rules.add_perm(
    "improvement.view_plan_list",
    has_role(Role.MANAGER, Role.INSPECTOR, Role.AUTHORITY_CONTACT, Role.LOCAL_COORDINATOR),
)
rules.add_perm("improvement.view_improvementplan", can_view)
# Files are downloaded through core:file_download, which asks for view_<model> on their owner.
rules.add_perm("improvement.view_planelement", can_view)
rules.add_perm("improvement.view_improvementaction", can_view)
rules.add_perm("improvement.view_progressupdate", can_view)
rules.add_perm("improvement.edit_plan", is_authority_staff)
rules.add_perm("improvement.comment_plan", is_inspectorate_side)
rules.add_perm("improvement.sign_off_element", is_link_inspector | is_manager)
rules.add_perm("improvement.assign_link_inspector", is_lead | is_manager)
