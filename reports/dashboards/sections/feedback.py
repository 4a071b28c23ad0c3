"""Feedback: what authorities and partnerships said in the feedback questionnaire
(`qi_framework.responses.FEEDBACK_INSTRUMENT`) sent after an inspection report or a validation
letter is published: questionnaires sent and answered by kind of scrutiny, each rating question's
distribution on the six-point scale with the inspectorate's words for it, and the other answers.

For managers only (and administrators): feedback is about the inspectorate's own teams, so an
inspector's dashboard leaves the section out. The period applies to the year a response was
submitted (and a questionnaire sent); the area filter keeps inspections of that authority and
self-evaluations of the partnerships that cover it.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model
from django.urls import reverse

from inspections.models import Inspection
from partnerships.models import Exercise
from qi_framework.models import (
    InstrumentVersion,
    Question,
    Response,
    ResponseLink,
    ScrutinyKind,
)
from qi_framework.responses import FEEDBACK_INSTRUMENT, QuestionTotals, responses_aggregate
from reports.dashboards.charts import grade_chart
from reports.dashboards.exports import Cell, Table
from reports.dashboards.sections import Section, SectionResult, register_section
from reports.dashboards.selectors import DashboardScope, dashboard_sees_everything
from reports.statistics import GOOD_OR_BETTER, Finding, quantifier_bands_current, sentence_for
from reports.statistics.phrases import GRADE_WORDS

GRADES = range(6, 0, -1)


@dataclass(frozen=True)
class Subject:
    """A kind of thing feedback is asked about, after which document."""

    kind: str  # ScrutinyKind
    label: str
    model: type[Model]


SUBJECTS = (
    Subject(ScrutinyKind.CPO_INSPECTION, "Inspections (after the report)", Inspection),
    Subject(ScrutinyKind.SVSE, "Partnership self-evaluations (after the letter)", Exercise),
)


def _subject_ids(subject: Subject, scope: DashboardScope) -> list[int] | None:
    """The subjects of one kind in the area chosen (None: no area chosen, so all)."""
    authority = scope.filters.authority_id
    if not authority:
        return None
    if subject.model is Inspection:
        qs = Inspection.objects.filter(activity__authority_id=authority)
    else:
        qs = Exercise.objects.filter(partnership__covers=authority)
    return list(qs.values_list("pk", flat=True))


def _in_period(qs, field: str, scope: DashboardScope):
    if scope.filters.year_from:
        qs = qs.filter(**{f"{field}__year__gte": scope.filters.year_from})
    if scope.filters.year_to:
        qs = qs.filter(**{f"{field}__year__lte": scope.filters.year_to})
    return qs


def feedback_in_scope(scope: DashboardScope):
    """Return (per subject kind: (subject, links, responses)), the question totals, and the
    per-subject rows (subject kind, subject id, links sent, responses)."""
    subjects = [s for s in SUBJECTS if not scope.filters.kind or scope.filters.kind == s.kind]
    versions = list(InstrumentVersion.objects.filter(instrument__code=FEEDBACK_INSTRUMENT))
    responses = Response.objects.none()
    kinds = []
    per_subject = []
    for subject in subjects:
        content_type = ContentType.objects.get_for_model(subject.model)
        sent = ResponseLink.objects.filter(
            subject_type=content_type, instrument_version__instrument__code=FEEDBACK_INSTRUMENT
        )
        ids = _subject_ids(subject, scope)
        if ids is not None:
            sent = sent.filter(subject_id__in=ids)
        sent = _in_period(sent, "created_at", scope)
        answered = Response.objects.filter(
            link__subject_type=content_type,
            instrument_version__instrument__code=FEEDBACK_INSTRUMENT,
            **({"link__subject_id__in": ids} if ids is not None else {}),
        )
        answered = _in_period(answered, "submitted_at", scope)
        link_counts = dict(sent.order_by().values_list("subject_id").annotate(n=Count("id")))
        response_counts = dict(
            answered.order_by().values_list("link__subject_id").annotate(n=Count("id"))
        )
        kinds.append((subject, sum(link_counts.values()), sum(response_counts.values())))
        for subject_id in set(link_counts) | set(response_counts):
            per_subject.append(
                (
                    subject,
                    subject_id,
                    link_counts.get(subject_id, 0),
                    response_counts.get(subject_id, 0),
                )
            )
        responses = responses | answered

    totals: list[QuestionTotals] = []
    if versions and subjects:
        # The questions, options and order are the newest version's; the counts are the
        # responses in the filters.
        totals = responses_aggregate(
            instrument_versions=versions,
            subject_type=subjects[0].model if len(subjects) == 1 else None,
            responses=responses,
        )
    return kinds, totals, per_subject


@register_section
class FeedbackSection(Section):
    position = 70
    key = "feedback"
    title = "Feedback"
    kinds = frozenset({ScrutinyKind.CPO_INSPECTION, ScrutinyKind.SVSE})

    def shown_to(self, scope: DashboardScope) -> bool:
        return dashboard_sees_everything(user=scope.user)

    def build(self, scope: DashboardScope) -> SectionResult:
        if not self.shown_to(scope):
            # Also asked for directly by the download address: nothing to give.
            return self.result([])
        kinds, totals, per_subject = feedback_in_scope(scope)

        kind_table = Table(
            "feedback-kinds",
            "Feedback questionnaires by kind of scrutiny",
            ["Kind of scrutiny", "Questionnaires sent", "Responses"],
        )
        for subject, sent, answered in kinds:
            href = reverse("inspections:feedback_aggregate") if subject.model is Inspection else ""
            kind_table.add(subject.label, sent, Cell(answered, href=href))
        kind_table.add(
            Cell("Total", css="app-total"),
            sum(k[1] for k in kinds),
            sum(k[2] for k in kinds),
        )

        ratings = [t for t in totals if t.kind == Question.Kind.RATING_6]
        others = [t for t in totals if t.kind != Question.Kind.RATING_6 and t.counts]
        bands = quantifier_bands_current() if any(t.answered for t in ratings) else ()
        rating_table = Table(
            "feedback-ratings",
            "Feedback ratings by question",
            ["Question", *[f"{g} {GRADE_WORDS[g]}" for g in GRADES], "Answered"],
        )
        words = []
        chart_rows = []
        for number, total in enumerate(ratings, start=1):
            rating_table.add(
                Cell(f"Q{number}. {total.text}"),
                *[total.counts.get(str(g), 0) for g in GRADES],
                total.answered,
            )
            chart_rows.append((f"Q{number}", {g: total.counts.get(str(g), 0) for g in GRADES}))
            if total.answered:
                good = sum(total.counts.get(str(g), 0) for g in GOOD_OR_BETTER.values)
                finding = Finding(
                    good,
                    total.answered,
                    f"answers to “{total.text}”",
                    f"were {GOOD_OR_BETTER.phrase}",
                )
                words.append(sentence_for(finding, bands))
        chart = grade_chart(
            chart_id="chart-feedback-ratings",
            title="Feedback ratings by question",
            description=(
                "Stacked bars, one per rating question (Q1 to "
                f"Q{len(ratings)}, numbered as in the table below), of how many answers gave "
                "each level of the six-point scale (1 unsatisfactory to 6 excellent): "
                + "; ".join(
                    f"Q{n} {t.text} "
                    + ", ".join(f"{t.counts.get(str(g), 0)} at {g}" for g in GRADES)
                    for n, t in enumerate(ratings, start=1)
                )
                + ". The table below gives the same figures."
            ),
            rows=chart_rows,
        )

        other_table = Table(
            "feedback-answers", "Other answers", ["Question", "Answer", "Responses"]
        )
        for total in others:
            for value, count in total.counts.items():
                other_table.add(Cell(total.text), total.labels.get(value, value), count)

        subject_table = Table(
            "feedback-subjects",
            "Feedback by inspection and self-evaluation",
            [
                "Inspection or self-evaluation",
                "Kind of scrutiny",
                "Questionnaires sent",
                "Responses",
            ],
        )
        found = {
            Inspection: Inspection.objects.in_bulk(
                [i for s, i, _, _ in per_subject if s.model is Inspection]
            ),
            Exercise: Exercise.objects.in_bulk(
                [i for s, i, _, _ in per_subject if s.model is Exercise]
            ),
        }
        rows = []
        for subject, subject_id, sent, answered in per_subject:
            item = found[subject.model].get(subject_id)
            if item is None:
                continue
            href = (
                reverse("inspections:inspection_detail", args=[item.pk])
                if subject.model is Inspection
                else item.get_absolute_url()
            )
            rows.append((item.title, subject, href, sent, answered))
        for title, subject, href, sent, answered in sorted(rows, key=lambda r: r[0]):
            subject_table.add(
                Cell(title, href=href), subject.kind.label, sent, Cell(answered, href=href)
            )
        return self.result(
            [kind_table, rating_table, other_table, subject_table],
            chart=chart if any(t.answered for t in ratings) else "",
            words=words,
            responses=sum(k[2] for k in kinds),
        )
