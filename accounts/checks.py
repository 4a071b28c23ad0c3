"""Checks that assignment kinds registered by accounts apply to a person and a target."""

from core.exceptions import ApplicationError

LINK_INSPECTOR_TARGET_ERROR = "A link inspector is assigned to a local authority."


def check_link_inspector(user, target) -> None:
    from accounts.models import Organisation

    if target.kind != Organisation.Kind.LOCAL_AUTHORITY:
        raise ApplicationError(LINK_INSPECTOR_TARGET_ERROR)
