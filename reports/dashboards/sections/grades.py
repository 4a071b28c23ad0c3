"""Grades: the agreed grades of evaluated QIs by area and year (a heat map on the six-point
scale), their distribution per QI, and the words for it.

Only agreed grades count: those of inspections whose grades the lead inspector has agreed
(and so locked). Grades are few (five per inspection), so they are read live, never summarised.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.urls import reverse

from inspections.models import Evaluation
from qi_framework.models import ScrutinyKind
from reports.dashboards.charts import GRADE_FILLS, GRADE_TEXT, grade_chart
from reports.dashboards.exports import Cell, Table
from reports.dashboards.html import heatmap_html
from reports.dashboards.sections import Section, SectionResult, register_section
from reports.dashboards.selectors import DashboardScope
from reports.statistics import GOOD_OR_BETTER, percentage, quantifier_bands_current, sentence_for
from reports.statistics.phrases import GRADE_WORDS


@dataclass
class HeatMap:
    table: Table
    rows: list[dict]

    @property
    def html(self):
        return heatmap_html(self.table, self.rows)


def agreed_grades(scope: DashboardScope) -> list[tuple[int, str, str, int]]:
    """Return (inspection id, QI code, QI name, grade) for every agreed grade in scope."""
    ids = [i.pk for i in scope.inspections]
    if not ids:
        return []
    return list(
        Evaluation.objects.filter(
            inspection_id__in=ids,
            grade__isnull=False,
            inspection__evaluation_record__locked_at__isnull=False,
        )
        .order_by("quality_indicator__position", "quality_indicator__code")
        .values_list("inspection_id", "quality_indicator__code", "quality_indicator__name", "grade")
    )


@register_section
class GradesSection(Section):
    position = 20
    key = "grades"
    title = "Grades"
    kinds = frozenset({ScrutinyKind.CPO_INSPECTION})

    def build(self, scope: DashboardScope) -> SectionResult:
        grades = agreed_grades(scope)
        inspections = {i.pk: i for i in scope.inspections}
        names: dict[str, str] = {}
        by_qi: dict[str, list[int]] = defaultdict(list)
        for _, code, name, grade in grades:
            names[code] = name
            by_qi[code].append(grade)
        bands = quantifier_bands_current() if grades else ()

        distribution = Table(
            "grades-distribution",
            "Agreed grades by quality indicator",
            [
                "Quality indicator",
                *[f"{g} {GRADE_WORDS[g]}" for g in range(6, 0, -1)],
                "Evaluated",
                "Good or better",
            ],
        )
        words = []
        chart_rows = []
        for code, values in by_qi.items():
            counts = Counter(values)
            good = GOOD_OR_BETTER.count(values)
            distribution.add(
                Cell(f"{code} {names[code]}", text=code),
                *[counts.get(g, 0) for g in range(6, 0, -1)],
                len(values),
                Cell(
                    percentage(good, len(values)) or f"{good} of {len(values)}",
                    text=percentage(good, len(values)) or f"{good} of {len(values)}",
                ),
            )
            finding = GOOD_OR_BETTER.finding(values, subject=f"evaluations of QI {code}")
            words.append(sentence_for(finding, bands))
            chart_rows.append((code, dict(counts)))
        chart = grade_chart(
            chart_id="chart-grades",
            title="Agreed grades by quality indicator",
            description=(
                "Stacked bars, one per quality indicator, of how many agreed grades were at "
                "each level of the six-point scale (1 unsatisfactory to 6 excellent). "
                "The table below gives the same figures."
            ),
            rows=chart_rows,
        )

        chosen = scope.filters.qi if scope.filters.qi in by_qi else next(iter(by_qi), "")
        years = sorted({i.dashboard_year for i in scope.inspections if i.dashboard_year})
        heatmap = Table(
            "grades-heatmap",
            f"Agreed grades for QI {chosen} by local authority and year" if chosen else "Heat map",
            ["Local authority", *[str(y) for y in years]],
        )
        heat_rows: list[dict] = []
        if chosen:
            cells: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
            for inspection_id, code, _, grade in grades:
                if code != chosen:
                    continue
                inspection = inspections[inspection_id]
                key = (inspection.activity.authority_id, inspection.dashboard_year)
                cells[key].append((grade, inspection_id))
            for authority_id, name in scope.authorities:
                row = [Cell(name)]
                shown = {"name": name, "cells": []}
                for year in years:
                    found = cells.get((authority_id, year))
                    if not found:
                        row.append(Cell(None, text="–"))
                        shown["cells"].append({})
                        continue
                    grade, inspection_id = max(found, key=lambda g: g[1])  # the latest
                    row.append(
                        Cell(
                            grade,
                            href=reverse("inspections:evaluation_list", args=[inspection_id]),
                            css=f"app-grade app-grade--{grade}",
                            text=f"{grade}",
                        )
                    )
                    shown["cells"].append(
                        {
                            "grade": grade,
                            "word": GRADE_WORDS[grade],
                            "href": row[-1].href,
                            "fill": GRADE_FILLS[grade - 1],
                            "ink": GRADE_TEXT[grade - 1],
                        }
                    )
                heatmap.rows.append(row)
                heat_rows.append(shown)
        return self.result(
            [distribution, heatmap],
            chart=chart,
            words=words,
            chosen=chosen,
            heatmap=HeatMap(heatmap, heat_rows),
            qi_choices=[(code, f"{code} {names[code]}") for code in by_qi],
            grade_words=[(g, GRADE_WORDS[g]) for g in range(6, 0, -1)],
            count=len(grades),
        )
