"""Who may see and do what on thematic reviews.

Objects are a ThematicReview, a ReviewArea, or anything with `.area` or `.review` (a position
statement, a meeting, a recommendation...).
- The review team (review lead, review inspectors) is assigned on the review; managers see
  every review.
- An area's authority contacts and co-ordinators see their own area's page and position
  statement; its contacts see their own area's outputs. Never another area's, never readings.
- Local co-readers are assigned on the area's ScrutinyActivity and read that area's records only.
- Once the national report is published, everyone signed in may see it.
"""

import rules

from accounts.models import Role
from accounts.rules import has_role, is_administrator
from accounts.selectors import user_context
from throughcare.assignments import REVIEW_LEAD, REVIEW_TEAM

CO_READER = "local_co_reader"
PUBLISHED_STATUSES = frozenset({"published", "follow_up", "closed"})


def review_of(obj):
    """Return the ThematicReview behind a review, an area, or anything with .area/.review."""
    from throughcare.models import ReviewArea, ThematicReview

    if obj is None or isinstance(obj, ThematicReview):
        return obj
    if isinstance(obj, ReviewArea):
        return obj.review
    for attribute in ("area", "review", "recommendation"):
        if hasattr(obj, attribute):
            return review_of(getattr(obj, attribute))
    raise TypeError(f"No thematic review behind {obj!r}")


def area_of(obj):
    """Return the ReviewArea behind an area or anything with .area; None for a whole review."""
    from throughcare.models import ReviewArea, ThematicReview

    if obj is None or isinstance(obj, ThematicReview):
        return None
    if isinstance(obj, ReviewArea):
        return obj
    if hasattr(obj, "area"):
        return area_of(obj.area)
    return None


def on_review(*kinds: str):
    @rules.predicate(name=f"on_review({', '.join(kinds)})")
    def predicate(user, obj) -> bool:
        review = review_of(obj)
        return review is not None and user_context(user).is_assigned(review, *kinds)

    return predicate


def area_staff(*roles: str):
    """Someone holding one of `roles` in the area's own authority."""

    @rules.predicate(name=f"area_staff({', '.join(roles)})")
    def predicate(user, obj) -> bool:
        area = area_of(obj)
        if area is None:
            return False
        authority_id = area.activity.authority_id
        return any(org == authority_id and role in roles for org, role in user_context(user).roles)

    return predicate


@rules.predicate
def is_area_co_reader(user, obj) -> bool:
    area = area_of(obj)
    return area is not None and user_context(user).is_assigned(area.activity, CO_READER)


@rules.predicate
def is_published(user, obj) -> bool:
    review = review_of(obj)
    return review is not None and review.status in PUBLISHED_STATUSES


is_manager = has_role(Role.MANAGER)
is_inspector = has_role(Role.INSPECTOR)
is_team = on_review(*REVIEW_TEAM)
is_lead = on_review(REVIEW_LEAD)
is_area_contact = area_staff(Role.AUTHORITY_CONTACT)
is_area_staff = area_staff(Role.AUTHORITY_CONTACT, Role.LOCAL_COORDINATOR)


@rules.predicate
def may_see_some_review(user) -> bool:
    """Someone whose roles or assignments let them see at least part of some review."""
    context = user_context(user)
    if context.has_role(
        Role.MANAGER,
        Role.ADMINISTRATOR,
        Role.INSPECTOR,
        Role.AUTHORITY_CONTACT,
        Role.LOCAL_COORDINATOR,
    ):
        return True
    return any(kind in (*REVIEW_TEAM, CO_READER) for kind, _, _ in context.assignments)


rules.add_perm("throughcare.view_review_list", may_see_some_review | is_administrator)
rules.add_perm("throughcare.create_review", is_inspector | is_manager)
rules.add_perm("throughcare.view_review", is_manager | is_team | is_administrator)
rules.add_perm("throughcare.manage_review", is_lead | is_manager)
rules.add_perm("throughcare.view_area", is_team | is_manager | is_area_staff | is_area_co_reader)
rules.add_perm("throughcare.change_position_statement", is_area_staff)
rules.add_perm("throughcare.review_position_statement", is_team)
rules.add_perm("throughcare.manage_area", is_team | is_manager)
rules.add_perm("throughcare.read_records", is_team | is_area_co_reader)
rules.add_perm("throughcare.view_analysis", is_team | is_manager)
rules.add_perm("throughcare.manage_surveys", is_team)
rules.add_perm("throughcare.view_area_outputs", is_team | is_manager | is_area_contact)
rules.add_perm(
    "throughcare.view_national_report",
    is_team | is_manager | (rules.is_authenticated & is_published),
)
rules.add_perm("throughcare.manage_recommendations", is_team | is_manager)
# Position statement documents: core.uploads delegates downloads to view_<owner model>.
rules.add_perm("throughcare.view_positionstatement", is_team | is_manager | is_area_staff)
# The shared fieldwork: the area's staff or the team upload the population; the lead draws the
# sample (as an inspection's lead does).
rules.add_perm("throughcare.upload_population", is_team | is_area_staff)
rules.add_perm("throughcare.draw_sample", is_lead)

# The national report’s text (throughcare.views.outputs): the team writes it; the lead or a
# manager publishes it, which freezes its figure register.
rules.add_perm("throughcare.edit_national_report", is_team | is_manager)
rules.add_perm("throughcare.publish_national_report", is_lead | is_manager)
