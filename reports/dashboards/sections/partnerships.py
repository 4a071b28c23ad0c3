"""Partnerships: supported and validated self-evaluation, by exercise status and by QI
(self-evaluation status and validation decision). Read-only, live (a few rows per exercise),
scoped as the partnerships app scopes exercises (partnerships.selectors)."""

from collections import Counter, defaultdict

from django.db.models import Count, Q

from partnerships.models import Exercise, ExerciseQI
from partnerships.selectors import exercise_list_visible_to
from qi_framework.models import ScrutinyKind
from reports.dashboards.charts import Bar, bar_chart
from reports.dashboards.exports import Cell, Table
from reports.dashboards.sections import Section, SectionResult, register_section
from reports.dashboards.selectors import DashboardScope

E = Exercise.Status
Q_STATUS = ExerciseQI.Status
DECISION = ExerciseQI.Decision


def exercises_in_scope(scope: DashboardScope) -> list[Exercise]:
    qs = exercise_list_visible_to(user=scope.user)
    filters = scope.filters
    if filters.year_from:
        qs = qs.filter(start_date__year__gte=filters.year_from)
    if filters.year_to:
        qs = qs.filter(start_date__year__lte=filters.year_to)
    if filters.authority_id:
        qs = qs.filter(partnership__covers=filters.authority_id)
    return list(
        qs.annotate(
            qi_count=Count("qis", distinct=True),
            validated=Count("qis", filter=Q(qis__decision=DECISION.VALIDATED), distinct=True),
        ).order_by("partnership__name", "-start_date")
    )


@register_section
class PartnershipsSection(Section):
    position = 40
    key = "partnerships"
    title = "Partnerships"
    kinds = frozenset({ScrutinyKind.SVSE})

    def build(self, scope: DashboardScope) -> SectionResult:
        exercises = exercises_in_scope(scope)
        by_status = Counter(e.status for e in exercises)
        total = len(exercises)
        status_table = Table(
            "partnerships-status", "Self-evaluations by status", ["Status", "Self-evaluations"]
        )
        for status, label in E.choices:
            status_table.add(label, by_status.get(status, 0))
        status_table.add(Cell("Total", css="app-total"), total)
        chart = bar_chart(
            chart_id="chart-partnerships-status",
            title="Self-evaluations by status",
            description=(
                f"{total} supported and validated self-evaluations in the filters chosen, by "
                "status: "
                + "; ".join(f"{label} {by_status.get(s, 0)}" for s, label in E.choices)
                + ". The table below gives the same figures."
            ),
            bars=[
                Bar(label, by_status.get(s, 0) / total if total else 0, str(by_status.get(s, 0)))
                for s, label in E.choices
            ],
        )

        rows = ExerciseQI.objects.filter(exercise__in=[e.pk for e in exercises]).values_list(
            "quality_indicator__code", "quality_indicator__name", "status", "decision"
        )
        per_qi: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for code, name, status, decision in rows:
            per_qi[(code, name)][status] += 1
            if decision:
                per_qi[(code, name)][decision] += 1
        qi_table = Table(
            "partnerships-qis",
            "Self-evaluation and validation by quality indicator",
            [
                "Quality indicator",
                *[label for _, label in Q_STATUS.choices],
                *[label for _, label in DECISION.choices],
            ],
        )
        for (code, name), counts in sorted(per_qi.items()):
            qi_table.add(
                Cell(f"{code} {name}", text=code),
                *[counts.get(s, 0) for s, _ in Q_STATUS.choices],
                *[counts.get(d, 0) for d, _ in DECISION.choices],
            )

        list_table = Table(
            "partnerships-exercises",
            "Self-evaluations",
            ["Self-evaluation", "Partnership", "Started", "Status", "QIs validated"],
        )
        for exercise in exercises:
            list_table.add(
                Cell(exercise.title, href=exercise.get_absolute_url()),
                exercise.partnership.name,
                Cell(
                    exercise.start_date,
                    text=f"{exercise.start_date.day} {exercise.start_date:%B %Y}",
                ),
                exercise.get_status_display(),
                Cell(f"{exercise.validated} of {exercise.qi_count}"),
            )
        return self.result([status_table, qi_table, list_table], chart=chart, total=total)
