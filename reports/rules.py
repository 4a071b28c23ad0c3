"""Who may ask for a document and download it: whoever the document's kind lets see its subject.

Each kind names a permission (reports.kinds) checked with the subject as its object; the
framework booklet's is qi_framework.view_framework, so anyone signed in.
"""

import rules

from core.exceptions import ApplicationError
from reports.kinds import kind_get
from reports.models import Document


@rules.predicate
def may_request_document(user, target) -> bool:
    """`target` is a (kind code, subject) pair."""
    if not isinstance(target, tuple) or len(target) != 2:
        return False
    code, subject = target
    try:
        kind = kind_get(code)
    except ApplicationError:
        return False
    return user.has_perm(kind.permission, subject)


@rules.predicate
def may_see_document(user, document) -> bool:
    if not isinstance(document, Document):
        return False
    try:
        kind = kind_get(document.kind)
    except ApplicationError:
        return False
    return user.has_perm(kind.permission, document.subject)


rules.add_perm("reports.request_document", rules.is_authenticated & may_request_document)
rules.add_perm("reports.view_document", rules.is_authenticated & may_see_document)


@rules.predicate
def is_inspectorate_figure_reader(user) -> bool:
    """A Care Inspectorate inspector, manager or administrator (registers stay internal)."""
    from accounts.models import Role
    from accounts.selectors import user_context

    if user.is_superuser and user.is_active:
        return True
    return user_context(user).has_role(Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)


rules.add_perm(
    "reports.view_figure_register", rules.is_authenticated & is_inspectorate_figure_reader
)


@rules.predicate
def may_see_dashboard(user) -> bool:
    """Managers and administrators (everything), inspectors (their own inspections only: the
    dashboard's selectors scope the figures); never authority or partnership staff."""
    from accounts.models import Role
    from accounts.selectors import user_context

    if user.is_superuser and user.is_active:
        return True
    return user_context(user).has_role(Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)


rules.add_perm("reports.view_dashboard", rules.is_authenticated & may_see_dashboard)


@rules.predicate
def is_overview_author(user) -> bool:
    """A Care Inspectorate inspector or manager: the people who write the national overview."""
    from accounts.models import Role
    from accounts.selectors import user_context

    if user.is_superuser and user.is_active:
        return True
    return user_context(user).has_role(Role.INSPECTOR, Role.MANAGER)


# The national overview report (reports.overview): see, write and ask for its PDF.
rules.add_perm("reports.view_overview_report", rules.is_authenticated & is_overview_author)
