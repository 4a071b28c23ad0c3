"""The programme: every inspection by status and year, and what is due or late."""

import datetime as dt
from collections import Counter

from django.urls import reverse

from inspections.models import Inspection
from qi_framework.models import ScrutinyKind
from reports.dashboards.charts import Bar, bar_chart
from reports.dashboards.exports import Cell, Table
from reports.dashboards.sections import Section, SectionResult, register_section
from reports.dashboards.selectors import DashboardScope

S = Inspection.Status
# The next milestone of an inspection in each status: (date field, what is due).
MILESTONES: dict[str, tuple[str, str]] = {
    S.PLANNED: ("self_evaluation_due", "Self-evaluation"),
    S.SELF_EVALUATION: ("self_evaluation_due", "Self-evaluation"),
    S.FIELDWORK: ("fieldwork_end", "End of fieldwork"),
    S.EVALUATION: ("target_publication", "Publication of the report"),
    S.REPORTING: ("target_publication", "Publication of the report"),
}
DUE_WITHIN_DAYS = 28
LATE = "Late"
DUE = "Due soon"


@register_section
class ProgrammeSection(Section):
    position = 10
    key = "programme"
    title = "Programme"
    kinds = frozenset({ScrutinyKind.CPO_INSPECTION})

    def build(self, scope: DashboardScope) -> SectionResult:
        inspections = scope.inspections
        by_status = Counter(i.status for i in inspections)
        total = len(inspections)
        status_table = Table("programme-status", "Inspections by status", ["Status", "Inspections"])
        bars = []
        for status, label in S.choices:
            status_table.add(label, by_status.get(status, 0))
            bars.append(
                Bar(label, by_status.get(status, 0) / total if total else 0, str(by_status[status]))
            )
        status_table.add(Cell("Total", css="app-total"), total)
        chart = bar_chart(
            chart_id="chart-programme-status",
            title="Inspections by status",
            description=(
                f"{total} inspections in the filters chosen, by status: "
                + "; ".join(f"{label} {by_status.get(s, 0)}" for s, label in S.choices)
                + ". The table below gives the same figures."
            ),
            bars=bars,
        )

        years = sorted({i.dashboard_year for i in inspections if i.dashboard_year})
        by_year = Counter((i.dashboard_year, i.status) for i in inspections)
        year_table = Table(
            "programme-years",
            "Inspections by status and year",
            ["Status", *[str(y) for y in years], "Total"],
        )
        for status, label in S.choices:
            counts = [by_year.get((year, status), 0) for year in years]
            year_table.add(label, *counts, sum(counts))
        totals = [sum(by_year.get((year, s), 0) for s, _ in S.choices) for year in years]
        year_table.add(Cell("Total", css="app-total"), *totals, sum(totals))

        due_table = Table(
            "programme-due",
            "Due or late",
            ["Inspection", "Local authority", "What is due", "Date", "State"],
        )
        for inspection, what, date, state in _due_or_late(inspections, scope.today):
            due_table.add(
                Cell(
                    inspection.title,
                    href=reverse("inspections:inspection_detail", args=[inspection.pk]),
                ),
                inspection.activity.authority.name,
                what,
                Cell(date, text=f"{date.day} {date:%B %Y}"),
                Cell(state, css="app-late" if state == LATE else "app-due"),
            )
        return self.result(
            [status_table, year_table, due_table],
            chart=chart,
            total=total,
            late=sum(1 for row in due_table.rows if row[4].value == LATE),
        )


def _due_or_late(inspections, today: dt.date):
    """Yield (inspection, what is due, date, LATE or DUE) by date, earliest first."""
    found = []
    horizon = today + dt.timedelta(days=DUE_WITHIN_DAYS)
    for inspection in inspections:
        milestone = MILESTONES.get(inspection.status)
        if milestone is None:
            continue
        field, what = milestone
        date = getattr(inspection, field)
        if date is None:
            continue
        if date < today:
            found.append((inspection, what, date, LATE))
        elif date <= horizon:
            found.append((inspection, what, date, DUE))
    return sorted(found, key=lambda row: (row[2], row[0].title))
