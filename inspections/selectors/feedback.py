"""Reads for the feedback questionnaires answered after inspection reports, across inspections.

The questionnaire (`qi_framework.responses.FEEDBACK_INSTRUMENT`) is sent to the inspected
authority as a single-use link when the report is published; this aggregates the answers, by
year if asked.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count

from inspections.models import Inspection
from qi_framework.models import Question
from reports.statistics.phrases import GRADE_WORDS

__all__ = ["FeedbackAggregate", "FeedbackInspectionRow", "feedback_aggregate", "feedback_years"]


@dataclass(frozen=True)
class FeedbackInspectionRow:
    inspection: Inspection
    links: int  # questionnaire links sent
    responses: int


@dataclass
class FeedbackAggregate:
    year: int | None
    years: list[int]  # years with responses, newest first
    responses: int
    totals: list  # qi_framework.responses.QuestionTotals, in question order
    by_inspection: list[FeedbackInspectionRow]

    @property
    def ratings(self) -> list:
        """Six-point questions, each with its counts from 6 down to 1."""
        return [t for t in self.totals if t.kind == Question.Kind.RATING_6]

    @property
    def choices(self) -> list:
        return [t for t in self.totals if t.kind != Question.Kind.RATING_6 and t.counts]

    @property
    def written(self) -> list:
        return [t for t in self.totals if t.kind != Question.Kind.RATING_6 and not t.counts]

    @property
    def grades(self) -> list[tuple[str, str]]:
        """The rating columns: ("6", "6 excellent") … ("1", "1 unsatisfactory")."""
        return [(str(g), f"{g} {GRADE_WORDS[g]}") for g in range(6, 0, -1)]


def _feedback_responses():
    from qi_framework.models import Response
    from qi_framework.responses import FEEDBACK_INSTRUMENT

    return Response.objects.filter(
        link__subject_type=ContentType.objects.get_for_model(Inspection),
        instrument_version__instrument__code=FEEDBACK_INSTRUMENT,
    )


def feedback_years() -> list[int]:
    """Return the years in which feedback about inspections was given, newest first."""
    return sorted(
        {d.year for d in _feedback_responses().dates("submitted_at", "year")}, reverse=True
    )


def feedback_aggregate(*, year: int | None = None) -> FeedbackAggregate:
    """Return the feedback questionnaire's answers totalled across inspections (all years, or
    responses submitted in `year`) and how many responses each inspection had."""
    from qi_framework.models import InstrumentVersion, ResponseLink
    from qi_framework.responses import FEEDBACK_INSTRUMENT, responses_aggregate

    responses = _feedback_responses()
    years = feedback_years()
    if year is not None:
        responses = responses.filter(submitted_at__year=year)
    versions = list(InstrumentVersion.objects.filter(instrument__code=FEEDBACK_INSTRUMENT))
    totals = (
        responses_aggregate(
            instrument_versions=versions, subject_type=Inspection, responses=responses
        )
        if versions
        else []
    )
    counts = dict(responses.order_by().values_list("link__subject_id").annotate(n=Count("id")))
    sent = ResponseLink.objects.filter(
        subject_type=ContentType.objects.get_for_model(Inspection),
        instrument_version__instrument__code=FEEDBACK_INSTRUMENT,
    )
    if year is not None:
        sent = sent.filter(created_at__year=year)
    links = dict(sent.order_by().values_list("subject_id").annotate(n=Count("id")))
    inspections = Inspection.objects.filter(pk__in=set(counts) | set(links)).select_related(
        "activity__authority"
    )
    return FeedbackAggregate(
        year=year,
        years=years,
        responses=sum(counts.values()),
        totals=totals,
        by_inspection=sorted(
            (
                FeedbackInspectionRow(i, links.get(i.pk, 0), counts.get(i.pk, 0))
                for i in inspections
            ),
            key=lambda row: row.inspection.title,
        ),
    )
