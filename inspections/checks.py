"""Checks for the team assignments on a scrutiny activity (registered in apps.py)."""

from accounts.models import Membership, Organisation
from core.exceptions import ApplicationError

ASSOCIATE_MUST_BE_FROM_ANOTHER_AUTHORITY = (
    "An associate assessor must be a member of a different local authority from the one being "
    "inspected."
)
MUST_BE_FROM_THIS_AUTHORITY = "A {kind} must be a member of {authority}."


def _authority_ids(user) -> set[int]:
    return set(
        Membership.objects.filter(
            user=user, is_active=True, organisation__kind=Organisation.Kind.LOCAL_AUTHORITY
        ).values_list("organisation_id", flat=True)
    )


def check_associate_assessor(user, activity) -> None:
    authorities = _authority_ids(user)
    if not authorities or authorities == {activity.authority_id}:
        raise ApplicationError(ASSOCIATE_MUST_BE_FROM_ANOTHER_AUTHORITY)
    if activity.authority_id in authorities:
        raise ApplicationError(ASSOCIATE_MUST_BE_FROM_ANOTHER_AUTHORITY)


def _check_local(kind: str):
    def check(user, activity) -> None:
        if activity.authority_id not in _authority_ids(user):
            raise ApplicationError(
                MUST_BE_FROM_THIS_AUTHORITY.format(kind=kind, authority=activity.authority.name)
            )

    return check


check_local_co_reader = _check_local("local co-reader")
check_local_coordinator = _check_local("local co-ordinator")
