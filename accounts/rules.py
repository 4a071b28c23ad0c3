"""The permission layer: one set of rules that reads memberships and assignments.

Every view checks a permission here (rules' object permissions through Django's has_perm), and
every list is scoped by a selector that applies the same tests. Later apps add their own rules
in their own rules.py, built from these predicates.
"""

import rules

from accounts.models import Organisation, Role
from accounts.selectors import user_context


def has_role(*roles: str):
    @rules.predicate(name=f"has_role({', '.join(roles)})")
    def predicate(user) -> bool:
        return user_context(user).has_role(*roles)

    return predicate


def is_assigned(*kinds: str):
    """True when the person holds an active assignment of one of `kinds` on the object."""

    @rules.predicate(name=f"is_assigned({', '.join(kinds)})")
    def predicate(user, target) -> bool:
        if target is None:
            return False
        return user_context(user).is_assigned(target, *kinds)

    return predicate


@rules.predicate
def is_superuser(user) -> bool:
    return bool(user and user.is_active and user.is_superuser)


@rules.predicate
def is_scrutiny_staff(user) -> bool:
    return user_context(user).is_scrutiny_staff


@rules.predicate
def is_inspectorate_staff(user) -> bool:
    return user_context(user).is_inspectorate_staff


@rules.predicate
def is_member_of_organisation(user, organisation) -> bool:
    if not isinstance(organisation, Organisation):
        return False
    return user_context(user).is_member_of(organisation.pk)


is_administrator = has_role(Role.ADMINISTRATOR) | is_superuser
is_manager = has_role(Role.MANAGER)
is_inspector = has_role(Role.INSPECTOR, Role.HMICS_INSPECTOR)

rules.add_perm("accounts.administer", is_administrator)
rules.add_perm("accounts.view_organisation_list", rules.is_authenticated)
rules.add_perm(
    "accounts.view_organisation",
    is_scrutiny_staff | is_administrator | is_member_of_organisation,
)
rules.add_perm(
    "accounts.view_organisation_members",
    is_inspectorate_staff | is_administrator | is_member_of_organisation,
)
rules.add_perm("accounts.manage_people", is_administrator)
