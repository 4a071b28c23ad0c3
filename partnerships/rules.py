"""Permissions for supported and validated self-evaluation.

- Partnership members of the exercise's partnership see it, draft, upload evidence and comment.
- Care Inspectorate staff see every exercise; the strategic inspector and managers run it.
- HMICS inspectors see, analyse and decide only on exercises they are assigned to.
- The published letter is seen by anyone who may see the exercise, once it is published.
- The feedback questionnaire is sent (again) by the strategic inspector or a manager; everyone
  who may see the exercise sees whether it has been sent.
"""

import rules

from accounts.models import Role
from accounts.rules import has_role, is_assigned, is_inspectorate_staff, is_superuser
from accounts.selectors import user_context


@rules.predicate
def is_partnership_member(user, exercise) -> bool:
    if exercise is None or not hasattr(exercise, "partnership_id"):
        return False
    return (exercise.partnership_id, Role.PARTNERSHIP_MEMBER) in user_context(user).roles


@rules.predicate
def letter_is_published(user, exercise) -> bool:
    return exercise is not None and getattr(exercise, "letter_version", 0) > 0


is_manager = has_role(Role.MANAGER)
is_strategic_inspector = has_role(Role.INSPECTOR) & is_assigned("strategic_inspector")
is_assigned_hmics = has_role(Role.HMICS_INSPECTOR) & is_assigned("hmics_inspector")
can_view = is_inspectorate_staff | is_superuser | is_partnership_member | is_assigned_hmics
can_run = is_strategic_inspector | is_manager

rules.add_perm(
    "partnerships.view_exercise_list",
    rules.is_authenticated
    & (
        is_inspectorate_staff
        | has_role(Role.HMICS_INSPECTOR, Role.PARTNERSHIP_MEMBER)
        | is_superuser
    ),
)
rules.add_perm("partnerships.create_exercise", has_role(Role.INSPECTOR, Role.MANAGER))
rules.add_perm("partnerships.view_exercise", can_view)
rules.add_perm("partnerships.draft_exercise", is_partnership_member)
rules.add_perm("partnerships.comment_exercise", is_partnership_member | can_run | is_assigned_hmics)
rules.add_perm("partnerships.manage_partners", is_partnership_member | can_run)
rules.add_perm("partnerships.run_exercise", can_run)
rules.add_perm("partnerships.validate_exercise", can_run | is_assigned_hmics)
rules.add_perm("partnerships.view_letter", can_view & letter_is_published)
rules.add_perm("partnerships.send_feedback_request", can_run)
rules.add_perm("partnerships.view_feedback_request", can_view)
