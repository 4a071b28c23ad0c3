"""Who may see the retention runs and their reports: the inspectorate's managers and
administrators (the people who answer for what is kept and what is deleted)."""

import rules


@rules.predicate
def is_retention_manager(user) -> bool:
    from accounts.models import Role
    from accounts.selectors import user_context

    if user.is_superuser and user.is_active:
        return True
    context = user_context(user)
    return context.is_inspectorate_staff and context.has_role(Role.MANAGER, Role.ADMINISTRATOR)


rules.add_perm("retention.view_runs", rules.is_authenticated & is_retention_manager)
