"""Reads about people, organisations, memberships and assignments.

`user_context` is the one place that loads what a person is (their active memberships and
assignments); the permission rules and every scoped list read it. It is cached on the user
object, so a request loads it once.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from accounts.models import Assignment, Membership, Organisation, Role, User

SCRUTINY_KINDS = {Organisation.Kind.CARE_INSPECTORATE, Organisation.Kind.HMICS}


@dataclass(frozen=True)
class UserContext:
    user_id: int | None
    roles: frozenset[tuple[int, str]]  # (organisation id, role)
    organisation_ids: frozenset[int]
    organisation_kinds: frozenset[str]
    assignments: frozenset[tuple[str, int, int]]  # (kind, content type id, object id)

    def has_role(self, *roles: str) -> bool:
        return any(role in roles for _, role in self.roles)

    def is_member_of(self, organisation_id: int) -> bool:
        return organisation_id in self.organisation_ids

    @property
    def is_scrutiny_staff(self) -> bool:
        return bool(self.organisation_kinds & SCRUTINY_KINDS)

    @property
    def is_inspectorate_staff(self) -> bool:
        return Organisation.Kind.CARE_INSPECTORATE in self.organisation_kinds

    def is_assigned(self, target, *kinds: str) -> bool:
        ct = ContentType.objects.get_for_model(target)
        return any(
            (kind, ct.id, target.pk) in self.assignments
            for kind in (kinds or {k for k, _, _ in self.assignments})
        )


EMPTY_CONTEXT = UserContext(None, frozenset(), frozenset(), frozenset(), frozenset())


def user_context(user) -> UserContext:
    """Return (and cache on the user) what the person is: memberships and assignments."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_CONTEXT
    cached = getattr(user, "_user_context", None)
    if cached is not None:
        return cached
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).values_list(
            "organisation_id", "role", "organisation__kind"
        )
    )
    assignments = Assignment.objects.filter(user=user, ended_at__isnull=True).values_list(
        "kind", "target_type_id", "target_id"
    )
    context = UserContext(
        user_id=user.pk,
        roles=frozenset((org, role) for org, role, _ in memberships),
        organisation_ids=frozenset(org for org, _, _ in memberships),
        organisation_kinds=frozenset(kind for _, _, kind in memberships),
        assignments=frozenset(assignments),
    )
    user._user_context = context
    return context


def user_primary_organisation(user) -> Organisation | None:
    """Return the organisation shown beside a person's name in the header."""
    membership = (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .order_by("created_at")
        .first()
    )
    return membership.organisation if membership else None


def organisation_list_visible_to(*, user) -> QuerySet[Organisation]:
    """Scrutiny staff see every organisation; anyone else sees only their own."""
    context = user_context(user)
    qs = Organisation.objects.prefetch_related("covers")
    if context.is_scrutiny_staff or context.has_role(Role.ADMINISTRATOR):
        return qs
    return qs.filter(id__in=context.organisation_ids)


def organisation_members(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation, is_active=True)
        .select_related("user")
        .order_by("user__name", "role")
    )


def assignments_for(*, target) -> QuerySet[Assignment]:
    ct = ContentType.objects.get_for_model(target)
    return Assignment.objects.filter(
        target_type=ct, target_id=target.pk, ended_at__isnull=True
    ).select_related("user")


def assignments_of(*, user: User) -> QuerySet[Assignment]:
    return Assignment.objects.filter(user=user, ended_at__isnull=True).select_related("target_type")
