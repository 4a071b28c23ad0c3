"""Reads for a review's outputs: what the per-area reports and the national report print.

The numbers come from `throughcare.selectors.triangulation` (one `ReviewData` per document),
so the documents, the analysis pages and the figure register always agree.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType

from reports.figures import Figure
from reports.selectors import documents_for_subject
from throughcare.charts import bar_chart
from throughcare.models import ReviewArea, ThematicReview, ThemeTag
from throughcare.selectors.triangulation import (
    SOURCE_BY_KEY,
    SOURCES,
    AreaMethod,
    QuestionResult,
    ReviewData,
    SourceResult,
    counts_words,
    method_from,
    question_result,
    source_result,
)

__all__ = [
    "AreaAnalysis",
    "NationalReport",
    "QIFindings",
    "StaffSurveySummary",
    "area_analysis",
    "area_documents",
    "national_report_data",
    "national_report_documents",
    "staff_survey_summary",
]


@dataclass
class ChartedResult:
    result: QuestionResult
    chart: Figure | None


@dataclass
class ResultSection:
    title: str
    results: list[ChartedResult] = field(default_factory=list)


def _sections(
    data: ReviewData, source_key: str, units, *, prefix: str = "A"
) -> list[ResultSection]:
    source = SOURCE_BY_KEY[source_key]
    sections: dict[int, ResultSection] = {}
    for question in data.questions_for(source_key, None):
        result = question_result(data, source, question, units, prefix=prefix)
        chart = bar_chart(
            [(row.label, row.numerator, row.denominator) for row in result.rows],
            title=f"Answers to “{question.text.rstrip('.?')}”",
        )
        section = sections.setdefault(question.section_id, ResultSection(question.section.title))
        section.results.append(ChartedResult(result=result, chart=chart))
    return list(sections.values())


def _area_method(data: ReviewData, area: ReviewArea) -> AreaMethod:
    return next(a for a in method_from(data).areas if a.area.area.pk == area.pk)


@dataclass
class AreaAnalysis:
    area: ReviewArea
    review: ThematicReview
    method: AreaMethod
    sections: list[ResultSection]
    sample_chart: Figure | None


def area_analysis(*, area: ReviewArea) -> AreaAnalysis:
    """Return the file reading analysis of one area: its sample by licence type and the
    answers that count to every question of the reading tool, over the records read."""
    data = ReviewData(area.review)
    method = _area_method(data, area)
    return AreaAnalysis(
        area=area,
        review=area.review,
        method=method,
        sections=_sections(data, "reading", data.units_in("reading", area.pk)),
        sample_chart=bar_chart(
            [(row.label, row.read, row.population) for row in method.strata],
            title="Records read of the population, by licence type",
        ),
    )


def _themes_for_area(area: ReviewArea) -> list[tuple[str, int]]:
    review = area.review
    tags = ThemeTag.objects.filter(
        theme__review=review,
        answer__response__link__subject_type=ContentType.objects.get_for_model(ReviewArea),
        answer__response__link__subject_id=area.pk,
    )
    if review.staff_survey_instrument_id:
        tags = tags.filter(
            answer__question__version__instrument_id=review.staff_survey_instrument.instrument_id
        )
    counts = Counter(tags.values_list("theme__name", flat=True))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class StaffSurveySummary:
    area: ReviewArea
    review: ThematicReview
    responses: int
    population: int | None
    rate: str
    sections: list[ResultSection]
    themes: list[tuple[str, int]]


def staff_survey_summary(*, area: ReviewArea) -> StaffSurveySummary:
    """Return one area's staff survey: responses and rate, answers per question, themes."""
    data = ReviewData(area.review)
    units = data.units_in("staff", area.pk)
    population = area.staff_survey_population
    return StaffSurveySummary(
        area=area,
        review=area.review,
        responses=len(units),
        population=population,
        rate=counts_words(min(len(units), population), population) if population else "",
        sections=_sections(data, "staff", units),
        themes=_themes_for_area(area),
    )


@dataclass
class QIFindings:
    quality_indicator: Any
    sources: list[SourceResult]
    strengths: str
    challenges: str


@dataclass
class NationalReport:
    review: ThematicReview
    method: Any
    qis: list[QIFindings]
    recommendations: list
    narrative: dict[str, str]
    sample_chart: Figure | None


def national_report_data(*, review: ThematicReview) -> NationalReport:
    """Return what the national report prints, computed from the review's data now."""
    data = ReviewData(review)
    method = method_from(data)
    narrative = dict(review.narrative or {})
    qis = [
        QIFindings(
            quality_indicator=qi,
            sources=[source_result(data, source, qi.code) for source in SOURCES],
            strengths=narrative.get(f"strengths_{qi.code}", ""),
            challenges=narrative.get(f"challenges_{qi.code}", ""),
        )
        for qi in data.qis
    ]
    return NationalReport(
        review=review,
        method=method,
        qis=qis,
        recommendations=list(
            review.recommendations.prefetch_related("quality_indicators").order_by("position", "pk")
        ),
        narrative=narrative,
        sample_chart=bar_chart(
            [(row.label, row.read, row.population) for row in method.strata],
            title="Records read of the population across the areas, by licence type",
        ),
    )


def area_documents(*, area: ReviewArea) -> dict[str, Any]:
    """Return the newest document of each per-area kind (None where none was asked for)."""
    from throughcare.services.outputs import AREA_ANALYSIS, STAFF_SURVEY_SUMMARY

    return {
        code: documents_for_subject(kind=code, subject=area).first()
        for code in (AREA_ANALYSIS, STAFF_SURVEY_SUMMARY)
    }


def national_report_documents(*, review: ThematicReview):
    from throughcare.services.outputs import NATIONAL_REPORT

    return documents_for_subject(kind=NATIONAL_REPORT, subject=review)
