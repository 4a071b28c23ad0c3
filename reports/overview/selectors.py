"""Reads for the national overview report: everything it prints for a period, and its figures.

Reading findings are national totals of the dashboard's per-activity summary counts (ADR 0009),
so the report and the dashboard always agree. Every number the report prints in a sentence is
a `ComputedFigure`, kept in the report's figure register when its PDF is asked for.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from reports.dashboards.measures import MEASURES, RATING, Measure
from reports.dashboards.summaries import summaries_current
from reports.figure_register import ComputedFigure
from reports.figures import Figure, svg_data_uri
from reports.models import OverviewReport, SummaryCount
from reports.statistics import (
    GOOD_OR_BETTER,
    WEAK_OR_UNSATISFACTORY,
    Finding,
    count_phrase,
    number_words,
    quantifier_bands_current,
    sentence_for,
)

__all__ = [
    "OverviewData",
    "overview_content",
    "overview_figures",
    "overview_get",
    "overview_list",
]

GRADES = (6, 5, 4, 3, 2, 1)
GRADE_LABELS = {
    6: "excellent",
    5: "very good",
    4: "good",
    3: "adequate",
    2: "weak",
    1: "unsatisfactory",
}
SECTION_INSPECTIONS = "Inspections of community payback orders"
SECTION_PARTNERSHIPS = "Partnership self-evaluations"
SECTION_REVIEWS = "Thematic reviews"
SECTION_FEEDBACK = "Appendix 1: Feedback on our work"
OTHER_FINDINGS = "Other findings from records read"


def overview_list() -> QuerySet[OverviewReport]:
    return OverviewReport.objects.select_related("created_by").order_by("-period_end", "-id")


def overview_get(*, pk: int) -> OverviewReport | None:
    return OverviewReport.objects.select_related("created_by").filter(pk=pk).first()


@dataclass
class OverviewData:
    start: dt.date
    end: dt.date
    inspections: list[dict] = field(default_factory=list)
    method: dict = field(default_factory=dict)
    grades: list[dict] = field(default_factory=list)
    grade_totals: list[dict] = field(default_factory=list)
    grades_chart: Figure | None = None
    findings: list[dict] = field(default_factory=list)
    exercises: list[dict] = field(default_factory=list)
    reviews: list[dict] = field(default_factory=list)
    feedback: dict = field(default_factory=dict)
    partnerships: dict = field(default_factory=dict)
    bands: tuple = ()
    figures: dict[str, list[ComputedFigure]] = field(default_factory=dict)

    def add(self, section: str, figure: ComputedFigure) -> ComputedFigure:
        self.figures.setdefault(section, []).append(figure)
        return figure


def _figure(code, section, definition, numerator, denominator, words) -> ComputedFigure:
    return ComputedFigure(
        code=code[:40],
        section=section,
        definition=definition,
        numerator=numerator,
        denominator=denominator,
        words=words,
    )


def _inspections_in(start: dt.date, end: dt.date):
    """Inspections whose fieldwork overlapped the period, or whose report was published in it."""
    from inspections.models import Inspection, ReportVersion

    published = ReportVersion.objects.filter(
        status=ReportVersion.Status.PUBLISHED,
        published_at__date__gte=start,
        published_at__date__lte=end,
    ).values("inspection_id")
    return (
        Inspection.objects.filter(
            Q(fieldwork_start__lte=end, fieldwork_end__gte=start) | Q(pk__in=published)
        )
        .select_related("activity__authority")
        .order_by("fieldwork_start", "activity__authority__name", "pk")
    )


def _method(data: OverviewData, inspections: list, bands) -> list[int]:
    from inspections.models import Interview, Population, Reading, SampleRecord

    activity_ids = [i.activity_id for i in inspections]
    published = {}
    from inspections.models import ReportVersion

    for inspection_id, when in ReportVersion.objects.filter(
        inspection__in=inspections, status=ReportVersion.Status.PUBLISHED
    ).values_list("inspection_id", "published_at"):
        published[inspection_id] = when
    populations = dict(
        Population.objects.filter(activity_id__in=activity_ids).values_list(
            "activity_id", "row_count"
        )
    )
    read_records = SampleRecord.objects.filter(
        sample__activity_id__in=activity_ids,
        role=SampleRecord.Role.SAMPLED,
        status=SampleRecord.Status.ACTIVE,
        readings__order=Reading.Order.FIRST,
        readings__status=Reading.Status.SUBMITTED,
    ).distinct()
    read = Counter(read_records.values_list("sample__activity_id", flat=True))
    interviews = Counter(
        Interview.objects.filter(activity_id__in=activity_ids).values_list("activity_id", flat=True)
    )
    # Inspections whose record-level data was deleted under the retention policy count what
    # their published report's frozen figure register says (ADR 0011).
    from retention.selectors import retained_figures

    for activity_id, figures in retained_figures(
        activity_ids=activity_ids, codes=["M-records", "M-interviews"]
    ).items():
        if "M-records" in figures:
            read[activity_id] = figures["M-records"].numerator
        if "M-interviews" in figures:
            interviews[activity_id] = figures["M-interviews"].denominator
    for inspection in inspections:
        data.inspections.append(
            {
                "authority": inspection.activity.authority.name,
                "title": inspection.title,
                "fieldwork_start": inspection.fieldwork_start,
                "fieldwork_end": inspection.fieldwork_end,
                "published_at": published.get(inspection.pk),
                "population": populations.get(inspection.activity_id, 0),
                "read": read.get(inspection.activity_id, 0),
                "interviewed": interviews.get(inspection.activity_id, 0),
            }
        )
    population = sum(populations.values())
    total_read = sum(read.values())
    interviewed = sum(interviews.values())
    data.method = {
        "inspections": len(inspections),
        "inspections_words": number_words(len(inspections)),
        "population": population,
        "read": total_read,
        "interviewed": interviewed,
        "authorities": [row["authority"] for row in data.inspections],
    }
    if population:
        data.method["read_figure"] = data.add(
            SECTION_INSPECTIONS,
            _figure(
                "INS-records-read",
                SECTION_INSPECTIONS,
                "Sampled records with a submitted first reading, out of the records in the "
                "populations of the inspections in the period.",
                total_read,
                population,
                f"We read {total_read:,} records of a population of {population:,}.",
            ),
        )
    data.method["interviewed_figure"] = data.add(
        SECTION_INSPECTIONS,
        _figure(
            "INS-people-interviewed",
            SECTION_INSPECTIONS,
            "Interviews recorded with people subject to a community payback order, across the "
            "inspections in the period (numerator and denominator are both the count).",
            interviewed,
            interviewed,
            f"We met {count_phrase(interviewed)} "
            f"{'person' if interviewed == 1 else 'people'} subject to a community payback "
            "order.",
        ),
    )
    return activity_ids


def _grades(data: OverviewData, inspections: list, bands) -> None:
    from inspections.models import Evaluation

    by_qi: dict[int, dict] = {}
    for qi_id, code, name, position, grade in (
        Evaluation.objects.filter(inspection__in=inspections, grade__isnull=False)
        .values_list(
            "quality_indicator_id",
            "quality_indicator__code",
            "quality_indicator__name",
            "quality_indicator__position",
            "grade",
        )
        .order_by("quality_indicator__position", "quality_indicator__code")
    ):
        row = by_qi.setdefault(
            qi_id, {"code": code, "name": name, "position": position, "grades": []}
        )
        row["grades"].append(grade)
    totals: Counter = Counter()
    for row in by_qi.values():
        grades = row["grades"]
        counts = Counter(grades)
        totals.update(counts)
        good = GOOD_OR_BETTER.count(grades)
        words = sentence_for(
            Finding(
                good,
                len(grades),
                "areas inspected",
                f"were evaluated good or better for quality indicator {row['code']}",
            ),
            bands,
        )
        figure = data.add(
            SECTION_INSPECTIONS,
            _figure(
                f"G-{row['code']}-good",
                f"{SECTION_INSPECTIONS}: evaluations",
                f"Inspections in the period whose agreed grade for {row['code']} {row['name']} "
                "is 4, 5 or 6 (good or better), out of the inspections that evaluated it.",
                good,
                len(grades),
                words,
            ),
        )
        data.grades.append(
            {
                "code": row["code"],
                "name": row["name"],
                "counts": [counts.get(g, 0) for g in GRADES],
                "total": len(grades),
                "figure": figure,
            }
        )
    data.grade_totals = [
        {"value": g, "label": GRADE_LABELS[g], "count": totals.get(g, 0)} for g in GRADES
    ]
    if sum(totals.values()):
        data.grades_chart = grades_chart(data.grade_totals)


def grades_chart(rows: list[dict]) -> Figure:
    """Return a bar chart of how many evaluations were at each grade, highest grade first."""
    top = max(row["count"] for row in rows) or 1
    bar_height, gap, label_width, width = 28, 10, 170, 640
    scale = (width - label_width - 60) / top
    body = []
    for i, row in enumerate(rows):
        y = i * (bar_height + gap)
        length = round(row["count"] * scale)
        body.append(
            f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end" font-size="15">'
            f"{row['value']} {row['label']}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" '
            'fill="#1d70b8"/>'
            f'<text x="{label_width + length + 6}" y="{y + 19}" font-size="15">'
            f"{row['count']}</text>"
        )
    height = len(rows) * (bar_height + gap)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Noto Sans, sans-serif" fill="#0b0c0c">'
        + "".join(body)
        + "</svg>"
    )
    alt = "Bar chart of the quality indicator evaluations at each grade: " + ", ".join(
        f"{row['value']} {row['label']}, {row['count']}" for row in rows
    )
    return Figure(src=svg_data_uri(svg), alt=alt + ".", width_mm=150)


def _measure_qis() -> dict[str, tuple[str, str, int]]:
    """Return the QI (code, title, position) each measure's question evidences first."""
    from qi_framework.models import Question

    result: dict[str, tuple[str, str, int]] = {}
    rows = (
        Question.objects.filter(
            code__in=[m.question for m in MEASURES],
            version__instrument__code="cpo-file-reading",
            qis__isnull=False,
        )
        .values_list("code", "qis__code", "qis__name", "qis__position")
        .order_by("code", "qis__position", "-version_id")
    )
    for code, qi_code, title, position in rows:
        result.setdefault(code, (qi_code, title, position))
    return result


def _findings(data: OverviewData, activity_ids: list[int], bands) -> None:
    summaries_current(activity_ids=activity_ids)
    counts: dict[tuple[str, str], int] = Counter()
    for key, value, n in SummaryCount.objects.filter(
        summary__activity_id__in=activity_ids, value2=""
    ).values_list("key", "value", "count"):
        counts[(key, value)] += n
    qis = _measure_qis()
    groups: dict[str, dict] = {}
    for measure in MEASURES:
        counted = sum(counts.get((measure.question, v), 0) for v in measure.counted)
        if not counted:
            continue
        qi = qis.get(measure.question)
        key = qi[0] if qi else ""
        group = groups.setdefault(
            key,
            {
                "code": key,
                "name": qi[1] if qi else OTHER_FINDINGS,
                "position": qi[2] if qi else 10_000,
                "sentences": [],
            },
        )
        section = f"{SECTION_INSPECTIONS}: {key} {group['name']}".strip()
        group["sentences"].extend(_measure_sentences(data, measure, counts, counted, section))
    data.findings = sorted(groups.values(), key=lambda g: (g["position"], g["code"]))


def _measure_sentences(data, measure: Measure, counts, counted: int, section: str) -> list:
    bands = data.bands
    positive = sum(counts.get((measure.question, v), 0) for v in measure.positive)
    figures = [
        data.add(
            section,
            _figure(
                f"R-{measure.code}",
                section,
                measure.definition + " Summed across the inspections in the period.",
                positive,
                counted,
                sentence_for(Finding(positive, counted, measure.subject, measure.predicate), bands),
            ),
        )
    ]
    if measure.kind == RATING:
        weak = sum(counts.get((measure.question, str(g)), 0) for g in WEAK_OR_UNSATISFACTORY.values)
        verb = "was" if weak == 1 else "were"
        words = (
            f"Of the {counted:,} {measure.subject} we evaluated, "
            f"{count_phrase(weak, suppress=True)} {verb} rated weak or unsatisfactory."
        )
        figures.append(
            data.add(
                section,
                _figure(
                    f"R-{measure.code}-weak",
                    section,
                    f"Sampled records whose answer that counts for “{measure.label.lower()}” "
                    "is 1 or 2 (weak or unsatisfactory), out of the records rated; counts "
                    "from one to four are said as “fewer than five”.",
                    weak,
                    counted,
                    words,
                ),
            )
        )
    return figures


def _exercises(data: OverviewData, start: dt.date, end: dt.date, bands) -> None:
    from partnerships.models import Exercise, ExerciseQI

    exercises = (
        Exercise.objects.filter(
            Q(published_at__date__gte=start, published_at__date__lte=end)
            | Q(published_at__isnull=True, end_date__gte=start, end_date__lte=end)
        )
        .select_related("partnership")
        .prefetch_related("qis__quality_indicator")
        .order_by("start_date", "partnership__name", "pk")
    )
    validated_all = decided_all = 0
    for exercise in exercises:
        qis = sorted(exercise.qis.all(), key=lambda q: q.quality_indicator.position)
        decided = [q for q in qis if q.decision]
        validated = [q for q in decided if q.decision == ExerciseQI.Decision.VALIDATED]
        validated_all += len(validated)
        decided_all += len(decided)
        data.exercises.append(
            {
                "partnership": exercise.partnership.name,
                "title": exercise.title,
                "start_date": exercise.start_date,
                "end_date": exercise.end_date,
                "published_at": exercise.published_at,
                "qis": [
                    {
                        "code": q.quality_indicator.code,
                        "name": q.quality_indicator.name,
                        "grade": q.grade,
                        "grade_label": GRADE_LABELS.get(q.grade, ""),
                        "decision": q.get_decision_display() if q.decision else "Not decided",
                    }
                    for q in qis
                ],
                "validated": len(validated),
                "decided": len(decided),
            }
        )
    data.partnerships = {
        "count": len(data.exercises),
        "words": number_words(len(data.exercises)),
    }
    if decided_all:
        data.partnerships["figure"] = data.add(
            SECTION_PARTNERSHIPS,
            _figure(
                "PSE-validated",
                SECTION_PARTNERSHIPS,
                "Self-evaluated quality indicator grades the inspectorate validated, out of "
                "those it decided on, across the partnership exercises in the period.",
                validated_all,
                decided_all,
                sentence_for(
                    Finding(validated_all, decided_all, "self-evaluated grades", "were validated"),
                    bands,
                ),
            ),
        )


def _reviews(data: OverviewData, start: dt.date, end: dt.date) -> None:
    from throughcare.models import ThematicReview

    reviews = (
        ThematicReview.objects.filter(
            Q(published_on__gte=start, published_on__lte=end)
            | Q(fieldwork_start__lte=end, fieldwork_end__gte=start)
        )
        .prefetch_related("areas__activity__authority", "recommendations", "quality_indicators")
        .order_by("starts_on", "pk")
    )
    for review in reviews:
        areas = [
            area.activity.authority.name
            for area in sorted(review.areas.all(), key=lambda a: a.position)
        ]
        data.reviews.append(
            {
                "title": review.title,
                "focus": review.focus.strip().rstrip("."),
                "commissioned_by": review.commissioned_by,
                "fieldwork_start": review.fieldwork_start,
                "fieldwork_end": review.fieldwork_end,
                "published_on": review.published_on,
                "areas": areas,
                "areas_words": number_words(len(areas)),
                "qis": sorted(q.code for q in review.quality_indicators.all()),
                "recommendations": sorted(review.recommendations.all(), key=lambda r: r.position),
            }
        )


def _feedback(data: OverviewData, inspections: list, bands) -> None:
    from django.contrib.contenttypes.models import ContentType

    from inspections.models import Inspection
    from qi_framework.models import Question, Response, ResponseAnswer
    from qi_framework.responses import FEEDBACK_INSTRUMENT

    responses = Response.objects.filter(
        link__subject_type=ContentType.objects.get_for_model(Inspection),
        link__subject_id__in=[i.pk for i in inspections],
        instrument_version__instrument__code=FEEDBACK_INSTRUMENT,
    )
    count = responses.count()
    data.feedback = {"responses": count, "responses_words": number_words(count), "questions": []}
    by_question: dict[str, dict] = {}
    for code, text, number in (
        ResponseAnswer.objects.filter(
            response__in=responses,
            question__kind=Question.Kind.RATING_6,
            value_number__isnull=False,
        )
        .values_list("question__code", "question__text", "value_number")
        .order_by("question__position", "question__code")
    ):
        row = by_question.setdefault(code, {"code": code, "text": text, "grades": []})
        row["grades"].append(int(number))
    for row in by_question.values():
        grades = row["grades"]
        good = GOOD_OR_BETTER.count(grades)
        counts = Counter(grades)
        row["counts"] = [counts.get(g, 0) for g in GRADES]
        row["figure"] = data.add(
            SECTION_FEEDBACK,
            _figure(
                f"FB-{row['code']}",
                SECTION_FEEDBACK,
                f"Feedback answers of 4, 5 or 6 (good or better) to “{row['text']}”, out of "
                "the answers given, for the inspections in the period.",
                good,
                len(grades),
                sentence_for(
                    Finding(
                        good, len(grades), f"answers to “{row['text']}”", "were good or better"
                    ),
                    bands,
                ),
            ),
        )
        data.feedback["questions"].append(row)


def _compute(start: dt.date, end: dt.date) -> OverviewData:
    bands = quantifier_bands_current()
    data = OverviewData(start=start, end=end, bands=bands)
    inspections = list(_inspections_in(start, end))
    activity_ids = _method(data, inspections, bands)
    _grades(data, inspections, bands)
    _findings(data, activity_ids, bands)
    _exercises(data, start, end, bands)
    _reviews(data, start, end)
    _feedback(data, inspections, bands)
    return data


def overview_figures(*, start: dt.date, end: dt.date) -> dict[str, list[ComputedFigure]]:
    """Return every computed figure the overview of the period prints, by section."""
    return _compute(start, end).figures


def overview_content(*, start: dt.date, end: dt.date) -> OverviewData:
    """Return everything the overview of the period prints (its figures among it)."""
    return _compute(start, end)
