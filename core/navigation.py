"""Navigation by role: each item shows only to people whose permissions allow it.

Later apps add their items here, each guarded by the permission its pages check.
"""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None
    prefix: str | None = None


NAVIGATION: list[NavItem] = [
    NavItem("Home", "core:home"),
    NavItem("Inspections", "inspections:inspection_list", "inspections.view_inspection_list"),
    NavItem("Thematic reviews", "throughcare:review_list", "throughcare.view_review_list"),
    NavItem("Improvement plans", "improvement:plan_list", "improvement.view_plan_list"),
    NavItem(
        "Feedback on inspections", "inspections:feedback_aggregate", "inspections.view_feedback"
    ),
    NavItem(
        "Self-evaluations",
        "partnerships:exercise_list",
        "partnerships.view_exercise_list",
    ),
    NavItem("Dashboard", "reports:dashboard", "reports.view_dashboard"),
    NavItem("Overview reports", "reports:overview_list", "reports.view_overview_report"),
    NavItem("Retention", "retention:run_list", "retention.view_runs"),
    NavItem("Organisations", "accounts:organisation_list", "accounts.view_organisation_list"),
    NavItem("QI framework", "qi_framework:framework_detail", "qi_framework.view_framework"),
    NavItem("Instruments", "qi_framework:instrument_list", "qi_framework.change_framework"),
    NavItem("Audit log", "core:audit_list", "core.view_audit_log"),
    NavItem("Administration", "admin:index", "accounts.administer"),
]


def navigation_for(request) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    items = []
    path = request.path
    for item in NAVIGATION:
        if item.permission and not user.has_perm(item.permission):
            continue
        url = reverse(item.url_name)
        prefix = item.prefix or url
        active = path == url if url == "/" else path.startswith(prefix)
        items.append({"label": item.label, "url": url, "active": active, "_prefix": prefix})
    # Where one item's address lies inside another's (/framework/instruments/ inside
    # /framework/), only the most specific one is marked as the current page.
    longest = max((len(i["_prefix"]) for i in items if i["active"]), default=0)
    for item in items:
        item["active"] = item["active"] and len(item.pop("_prefix")) == longest
    return items
