"""Improvement: the authorities' improvement plans after published inspections, with their open
and overdue actions by authority, plans in progress or closed, and elements addressed.

Read live (a few rows per plan). Scoped as the improvement app scopes plans
(`improvement.selectors.plan_list_visible_to`: managers every plan; an inspector the plans of
inspections they lead and of the authorities they are link inspector for), so every figure
links to a plan page the person may open. The period applies to actions by their due date: with
a period chosen, a plan counts when one of its actions falls due in it.
"""

from collections import Counter, defaultdict

from django.urls import reverse

from improvement.models import ImprovementAction, ImprovementPlan, PlanElement
from improvement.selectors import plan_list_visible_to
from qi_framework.models import ScrutinyKind
from reports.dashboards.charts import Bar, bar_chart
from reports.dashboards.exports import Cell, Table
from reports.dashboards.sections import Section, SectionResult, register_section
from reports.dashboards.selectors import DashboardScope

P = ImprovementPlan.Status
A = ImprovementAction.Status
OPEN_ACTIONS = (A.NOT_STARTED, A.IN_PROGRESS)


def plans_in_scope(scope: DashboardScope) -> tuple[list[ImprovementPlan], list[tuple]]:
    """Return the plans in scope (by authority) and their actions in the period, as
    (plan id, status, due date) rows."""
    qs = plan_list_visible_to(user=scope.user)
    filters = scope.filters
    if filters.authority_id:
        qs = qs.filter(inspection__activity__authority_id=filters.authority_id)
    plans = list(qs.order_by("inspection__activity__authority__name", "-created_at"))
    actions = ImprovementAction.objects.filter(element__plan__in=[p.pk for p in plans])
    if filters.year_from:
        actions = actions.filter(due_date__year__gte=filters.year_from)
    if filters.year_to:
        actions = actions.filter(due_date__year__lte=filters.year_to)
    rows = list(actions.order_by().values_list("element__plan_id", "status", "due_date"))
    if filters.year_from or filters.year_to:
        with_actions = {plan_id for plan_id, _, _ in rows}
        plans = [p for p in plans if p.pk in with_actions]
    return plans, rows


@register_section
class ImprovementSection(Section):
    position = 50
    key = "improvement"
    title = "Improvement"
    kinds = frozenset({ScrutinyKind.CPO_INSPECTION})

    def build(self, scope: DashboardScope) -> SectionResult:
        plans, action_rows = plans_in_scope(scope)
        today = scope.today
        actions: dict[int, Counter] = defaultdict(Counter)
        for plan_id, status, due in action_rows:
            counts = actions[plan_id]
            counts["all"] += 1
            if status in OPEN_ACTIONS:
                counts["open"] += 1
                if due < today:
                    counts["overdue"] += 1
        elements: dict[int, Counter] = defaultdict(Counter)
        for plan_id, status in PlanElement.objects.filter(
            plan__in=[p.pk for p in plans]
        ).values_list("plan_id", "status"):
            elements[plan_id]["all"] += 1
            if status == PlanElement.Status.ADDRESSED:
                elements[plan_id]["addressed"] += 1

        by_status = Counter(p.status for p in plans)
        status_table = Table(
            "improvement-plans-status", "Improvement plans by status", ["Status", "Plans"]
        )
        for status, label in P.choices:
            status_table.add(label, by_status.get(status, 0))
        status_table.add(Cell("Total", css="app-total"), len(plans))

        # By authority: an authority inspected twice has two plans, counted together.
        names: dict[int, str] = {}
        per_authority: dict[int, Counter] = defaultdict(Counter)
        plans_of: dict[int, list[ImprovementPlan]] = defaultdict(list)
        for plan in plans:
            authority = plan.inspection.activity.authority
            names[authority.pk] = authority.name
            plans_of[authority.pk].append(plan)
            totals = per_authority[authority.pk]
            totals["plans"] += 1
            totals.update(
                {f"elements_{k}": v for k, v in elements[plan.pk].items()}
                | {f"actions_{k}": v for k, v in actions[plan.pk].items()}
            )
        authority_table = Table(
            "improvement-authorities",
            "Open and overdue improvement actions by local authority",
            [
                "Local authority",
                "Plans",
                "Elements",
                "Elements addressed",
                "Actions",
                "Open actions",
                "Overdue actions",
            ],
        )
        ordered = sorted(names, key=lambda pk: names[pk])
        for authority_id in ordered:
            totals = per_authority[authority_id]
            only = plans_of[authority_id][0] if totals["plans"] == 1 else None
            href = reverse("improvement:plan_detail", args=[only.pk]) if only else ""
            authority_table.add(
                Cell(names[authority_id], href=href),
                totals["plans"],
                totals["elements_all"],
                totals["elements_addressed"],
                totals["actions_all"],
                Cell(totals["actions_open"], href=href),
                Cell(totals["actions_overdue"], href=href),
            )
        grand = sum(per_authority.values(), Counter())
        authority_table.add(
            Cell("Total", css="app-total"),
            grand["plans"],
            grand["elements_all"],
            grand["elements_addressed"],
            grand["actions_all"],
            grand["actions_open"],
            grand["actions_overdue"],
        )
        most_open = max((per_authority[a]["actions_open"] for a in ordered), default=0)
        chart = bar_chart(
            chart_id="chart-improvement-authorities",
            title="Open improvement actions by local authority",
            description=(
                f"{grand['actions_open']} open improvement actions in the filters chosen, of "
                f"which {grand['actions_overdue']} are overdue, by local authority: "
                + "; ".join(
                    f"{names[a]} {per_authority[a]['actions_open']} open, "
                    f"{per_authority[a]['actions_overdue']} overdue"
                    for a in ordered
                )
                + ". Bars are scaled to the authority with the most open actions. "
                "The table below gives the same figures."
            ),
            bars=[
                Bar(
                    names[a],
                    per_authority[a]["actions_open"] / most_open if most_open else 0,
                    f"{per_authority[a]['actions_open']} open, "
                    f"{per_authority[a]['actions_overdue']} overdue",
                )
                for a in ordered
            ],
        )

        plan_table = Table(
            "improvement-plans",
            "Improvement plans",
            [
                "Inspection",
                "Local authority",
                "Status",
                "Elements addressed",
                "Open actions",
                "Overdue actions",
            ],
        )
        for plan in plans:
            href = reverse("improvement:plan_detail", args=[plan.pk])
            overdue = actions[plan.pk]["overdue"]
            plan_table.add(
                Cell(plan.inspection.title, href=href),
                plan.inspection.activity.authority.name,
                plan.get_status_display(),
                Cell(f"{elements[plan.pk]['addressed']} of {elements[plan.pk]['all']}", href=href),
                Cell(actions[plan.pk]["open"], href=href),
                Cell(overdue, href=href),
            )
        return self.result(
            [status_table, authority_table, plan_table],
            chart=chart if ordered else "",
            total=len(plans),
            open=grand["actions_open"],
            overdue=grand["actions_overdue"],
        )
