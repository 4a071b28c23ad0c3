"""Record reading across inspections: the headline measures, each as a figure, a chart and
the statistics module's words, broken down by local authority, and quality against
timeliness. Read from the pre-aggregated summaries (ADR 0009), refreshed first where stale.
"""

from collections import Counter, defaultdict
from functools import lru_cache
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Sum
from django.urls import reverse

from qi_framework.models import ScrutinyKind
from reports.dashboards.charts import Bar, bar_chart
from reports.dashboards.exports import Cell, Table
from reports.dashboards.measures import CROSSTABS, GRADES, MEASURES, RATING, Measure
from reports.dashboards.sections import Section, SectionResult, register_section
from reports.dashboards.selectors import DashboardScope
from reports.dashboards.summaries import summaries_current
from reports.models import SummaryCount
from reports.statistics import (
    WEAK_OR_UNSATISFACTORY,
    Finding,
    Group,
    compare_sentence,
    percentage,
    quantifier_bands_current,
    sentence_for,
)
from reports.statistics.phrases import GRADE_WORDS

COUNTS_CACHE_SECONDS = 60 * 60
NOTHING_COUNTED = "No records in the filters chosen were answered for this measure."


def summary_counts(scope: DashboardScope) -> tuple[Counter, dict[int, Counter]]:
    """Return the counts in scope, nationally and by authority id (summaries refreshed).

    The sums are cached under the summaries' stamp, which changes with any recompute, so a
    cached sum is never older than the summaries it was made from.
    """
    ids = scope.activity_ids
    if not ids:
        return Counter(), {}
    _, stamp = summaries_current(activity_ids=ids)
    key = f"dashboard:counts:{stamp}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    national: Counter = Counter()
    by_authority: dict[int, Counter] = defaultdict(Counter)
    rows = (
        SummaryCount.objects.filter(summary__activity_id__in=ids)
        .values_list("summary__activity__authority_id", "key", "value", "value2")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for authority_id, key_, value, value2, n in rows:
        national[(key_, value, value2)] += n
        by_authority[authority_id][(key_, value, value2)] += n
    result = (national, dict(by_authority))
    cache.set(key, result, COUNTS_CACHE_SECONDS)
    return result


def fraction(counts: Counter, measure: Measure) -> tuple[int, int]:
    """Return (numerator, denominator) of a measure from (question, value, "") counts."""
    numerator = sum(counts.get((measure.question, v, ""), 0) for v in measure.positive)
    denominator = sum(counts.get((measure.question, v, ""), 0) for v in measure.counted)
    return numerator, denominator


def measure_words(counts: Counter, measure: Measure, bands) -> str:
    numerator, denominator = fraction(counts, measure)
    if not denominator:
        return NOTHING_COUNTED
    finding = Finding(numerator, denominator, measure.subject, measure.predicate)
    if measure.kind == RATING:
        weak = sum(
            counts.get((measure.question, str(g), ""), 0) for g in WEAK_OR_UNSATISFACTORY.values
        )
        small = Finding(weak, denominator, measure.subject, "were weak or unsatisfactory")
        return sentence_for(finding, bands, with_small_count=small)
    return sentence_for(finding, bands)


def shown_share(numerator: int, denominator: int) -> str:
    """Return "85% (83 of 98)", or "7 of 9" below the minimum denominator."""
    if not denominator:
        return "none answered"
    shown = percentage(numerator, denominator)
    counts = f"{numerator:,} of {denominator:,}"
    return f"{shown} ({counts})" if shown else counts


@lru_cache(maxsize=64)
def _records_base(kind: str, code: str) -> str:
    return reverse("reports:dashboard_records", args=[kind, code])


def records_url(scope: DashboardScope, kind: str, code: str, **extra) -> str:
    query = scope.cache.get("records_query")
    if query is None:
        query = scope.cache["records_query"] = urlencode(scope.filters.as_query(qi=""))
    more = "&".join(f"{k}={v}" for k, v in extra.items())  # slugs and whole numbers only
    joined = "&".join(part for part in (query, more) if part)
    return f"{_records_base(kind, code)}?{joined}"


@register_section
class ReadingsSection(Section):
    position = 30
    key = "readings"
    title = "Record reading"
    kinds = frozenset({ScrutinyKind.CPO_INSPECTION})

    def build(self, scope: DashboardScope) -> SectionResult:
        national, by_authority = summary_counts(scope)
        bands = quantifier_bands_current() if national else ()
        headline = Table(
            "readings-headline",
            "Headline measures from record reading",
            ["Measure", "Count", "Out of", "Percentage", "In words"],
        )
        bars = []
        measures = []
        area_tables = []
        long = Table(
            "readings-by-area",
            "Headline measures by local authority",
            ["Measure", "Local authority", "Count", "Out of", "Percentage"],
            row_headers=False,
        )
        for measure in MEASURES:
            numerator, denominator = fraction(national, measure)
            words = measure_words(national, measure, bands)
            shown = percentage(numerator, denominator) if denominator else None
            headline.add(
                measure.label,
                Cell(numerator, href=records_url(scope, "measure", measure.code)),
                Cell(
                    denominator,
                    href=records_url(scope, "measure", measure.code, outcome="counted"),
                ),
                shown or "",
                words,
            )
            bars.append(
                Bar(
                    measure.label,
                    numerator / denominator if denominator else 0,
                    shown_share(numerator, denominator),
                )
            )
            area = Table(
                f"readings-area-{measure.code}",
                f"{measure.label} by local authority",
                ["Local authority", "Count", "Out of", "Percentage"],
            )
            for authority_id, name in scope.authorities:
                a_num, a_den = fraction(by_authority.get(authority_id, Counter()), measure)
                a_shown = (percentage(a_num, a_den) if a_den else None) or ""
                area.add(
                    name,
                    Cell(
                        a_num,
                        href=records_url(scope, "measure", measure.code, authority=authority_id),
                    ),
                    Cell(
                        a_den,
                        href=records_url(
                            scope,
                            "measure",
                            measure.code,
                            authority=authority_id,
                            outcome="counted",
                        ),
                    ),
                    a_shown,
                )
                long.add(measure.label, name, a_num, a_den, a_shown)
            area_tables.append(area)
            measures.append(
                {
                    "measure": measure,
                    "numerator": numerator,
                    "denominator": denominator,
                    "shown": shown_share(numerator, denominator),
                    "words": words,
                    "area": area,
                    "records_url": records_url(scope, "measure", measure.code),
                }
            )
        chart = bar_chart(
            chart_id="chart-readings",
            title="Headline measures from record reading",
            description=(
                "Share of records meeting each headline measure, in the filters chosen: "
                + "; ".join(f"{b.label} {b.text}" for b in bars)
                + ". The table below gives the same figures."
            ),
            bars=bars,
        )
        crosstabs = [self._crosstab(scope, national, c) for c in CROSSTABS]
        tables = [headline, *area_tables, long, *[c["table"] for c in crosstabs]]
        return self.result(
            tables,
            headline=headline,
            chart=chart,
            measures=measures,
            crosstabs=crosstabs,
            long=long,
        )

    def _crosstab(self, scope: DashboardScope, national: Counter, crosstab) -> dict:
        table = Table(
            f"crosstab-{crosstab.code}",
            crosstab.label,
            ["Grade", "Within timescale", "Not within timescale", "Total", "Share within"],
        )
        for grade in GRADES:
            yes = national.get((crosstab.code, grade, "yes"), 0)
            no = national.get((crosstab.code, grade, "no"), 0)
            table.add(
                f"{grade} {GRADE_WORDS[int(grade)]}",
                Cell(
                    yes,
                    href=records_url(scope, "crosstab", crosstab.code, grade=grade, answer="yes"),
                ),
                Cell(
                    no,
                    href=records_url(scope, "crosstab", crosstab.code, grade=grade, answer="no"),
                ),
                yes + no,
                (percentage(yes, yes + no) if yes + no else None) or "",
            )
        groups = []
        for label, group in (crosstab.first, crosstab.second):
            yes = sum(national.get((crosstab.code, str(g), "yes"), 0) for g in group.values)
            no = sum(national.get((crosstab.code, str(g), "no"), 0) for g in group.values)
            if yes + no:
                groups.append(Group(label, yes, yes + no))
        if len(groups) == 2:
            words = compare_sentence(
                subject=crosstab.subject,
                predicate=crosstab.predicate,
                first=groups[0],
                second=groups[1],
            )
        else:
            words = "Too few records were rated in both groups to compare them."
        return {"crosstab": crosstab, "table": table, "words": words}
