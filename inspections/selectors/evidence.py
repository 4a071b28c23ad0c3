"""Reads for inspections: the evidence for each QI and every figure computed from it.

One pass over an inspection's data (`_EvidenceData`, a fixed number of queries whatever the
sample size) feeds three things:
- `inspection_figures`: every figure a report may print, keyed by QI code plus "method";
- `qi_evidence`: everything the evidence page of one QI shows;
- `figure_records`: the sampled records behind one figure.

Reading figures count the answer that counts for each record in the sample (moderated, else the
first reading; `answers_that_count`), over the records in the sample that were not replaced.
Figure codes are built from the QI code, the question's position in its (immutable) instrument
version and a short suffix ("5.2-Q18-good"), so the same data always gives the same codes.
The words come from reports.statistics (ADR 0008).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from accounts.selectors import assignments_for
from inspections.models import (
    EvidenceNote,
    FieldworkEvent,
    Inspection,
    InspectionQI,
    Interview,
    InterviewAnswer,
    Population,
    Reading,
    Sample,
    SampleRecord,
    SelfAssessment,
)
from inspections.selectors.moderation import answers_that_count
from inspections.selectors.samples import stratum_label
from inspections.services.interviews import CONSENT_QUESTION, PARTICIPANT_CATEGORIES
from qi_framework.models import Question
from reports.figure_register import ComputedFigure
from reports.figures import svg_data_uri
from reports.statistics import (
    ADEQUATE_OR_WEAK,
    GOOD_OR_BETTER,
    VERY_GOOD_OR_EXCELLENT,
    WEAK_OR_UNSATISFACTORY,
    Finding,
    GradeGroup,
    compare_sentence,
    crosstab,
    percentage,
    quantifier_bands_current,
    sentence_for,
)
from reports.statistics.phrases import GRADE_WORDS

__all__ = [
    "METHOD",
    "CrossTabView",
    "Distribution",
    "DistributionRow",
    "FigureRecord",
    "QIEvidence",
    "QIHeadline",
    "figure_records",
    "inspection_figures",
    "qi_evidence",
    "qi_evidence_index",
]

METHOD = "method"
NOT_ANSWERED = "No record has an answer to this question yet."
METHOD_SECTION = "Methodology"

# The reader's part on the team, strongest first, as the breakdown by reader type shows it.
READER_TYPES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ins", "Inspectors", ("lead_inspector", "inspector")),
    ("aa", "Associate assessors", ("associate_assessor",)),
    ("lcr", "Local co-readers", ("local_co_reader",)),
)
OTHER_READER = ("oth", "Other readers")

# Named grade groups a rating question is reported by, with their code suffixes.
RATING_GROUPS: tuple[tuple[str, GradeGroup], ...] = (
    ("good", GOOD_OR_BETTER),
    ("vgood", VERY_GOOD_OR_EXCELLENT),
    ("adeq", ADEQUATE_OR_WEAK),
    ("weak", WEAK_OR_UNSATISFACTORY),
)
# The two groups a quality-against-timeliness cross-tab compares (as the seed report does).
CROSSTAB_GROUPS: tuple[tuple[str, GradeGroup], ...] = (
    ("vgood", VERY_GOOD_OR_EXCELLENT),
    ("adeq", ADEQUATE_OR_WEAK),
)
YES_NO_LABELS = {"yes": "Yes", "no": "No", "na": "Not applicable"}
COUNTED_KINDS = frozenset(
    {
        Question.Kind.RATING_6,
        Question.Kind.YES_NO_NA,
        Question.Kind.SINGLE_CHOICE,
        Question.Kind.MULTIPLE_CHOICE,
    }
)
TIMELINESS_FUNCTION = "within_working_days"
# Fieldwork events whose notes the evidence pages show (people on orders are interviewed
# one by one and recorded as interviews instead).
DISCUSSION_KINDS = (
    FieldworkEvent.Kind.STAFF_FOCUS_GROUP,
    FieldworkEvent.Kind.STAFF_INTERVIEW,
    FieldworkEvent.Kind.PARTNER_AGENCIES,
    FieldworkEvent.Kind.SENIOR_MANAGERS,
    FieldworkEvent.Kind.CHIEF_OFFICERS,
    FieldworkEvent.Kind.ELECTED_MEMBERS,
)
STAFF_CATEGORIES = frozenset(code for code, _ in PARTICIPANT_CATEGORIES) - {"people_on_orders"}


# --- Loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountedRecord:
    """A record in the sample whose answers count, with what the breakdowns need."""

    id: int
    reference: str
    stratum: str
    reader_type: str  # code from READER_TYPES, "" while nobody reads it
    first_reading_id: int | None
    submitted: bool  # its first reading is submitted


class _EvidenceData:
    """Everything the figures of one inspection are computed from, read in a fixed number of
    queries (no query per record, answer or question)."""

    def __init__(self, inspection: Inspection):
        self.inspection = inspection
        activity = inspection.activity
        self.activity = activity
        self.qis = list(
            InspectionQI.objects.filter(inspection=inspection)
            .select_related("quality_indicator")
            .order_by("quality_indicator__position", "quality_indicator__code")
        )
        self.sample: Sample | None = Sample.objects.filter(activity=activity).first()
        self.records: list[CountedRecord] = []
        self.answers: dict[tuple[int, str], Any] = {}
        self.questions: list[Question] = []
        population = Population.objects.filter(activity=activity).only("row_count").first()
        self.population_size = population.row_count if population is not None else 0
        if activity.reading_instrument_id:
            self.questions = list(
                Question.objects.filter(version_id=activity.reading_instrument_id)
                .select_related("section")
                .prefetch_related("qis")
                .order_by("position")
            )
        if self.sample is not None:
            self._load_sample(self.sample)
        self._bands = None

    def _load_sample(self, sample: Sample) -> None:
        records = list(
            SampleRecord.objects.filter(
                sample=sample,
                role=SampleRecord.Role.SAMPLED,
                status=SampleRecord.Status.ACTIVE,
            )
            .select_related("record")
            .order_by("stratum", "rank")
        )
        first = {
            row["sample_record_id"]: row
            for row in Reading.objects.filter(
                sample_record__sample=sample, order=Reading.Order.FIRST
            ).values("id", "sample_record_id", "reader_id", "status")
        }
        kinds: dict[int, set[str]] = defaultdict(set)
        for assignment in assignments_for(target=self.activity):
            kinds[assignment.user_id].add(assignment.kind)
        self.records = []
        for record in records:
            reading = first.get(record.pk)
            reader_type = ""
            if reading is not None:
                reader_type = _reader_type(kinds.get(reading["reader_id"], set()))
            self.records.append(
                CountedRecord(
                    id=record.pk,
                    reference=record.record.reference,
                    stratum=record.stratum,
                    reader_type=reader_type,
                    first_reading_id=reading["id"] if reading else None,
                    submitted=bool(reading and reading["status"] == Reading.Status.SUBMITTED),
                )
            )
        counted = {r.id for r in self.records}
        self.answers = {
            key: value
            for key, value in answers_that_count(sample=sample).items()
            if key[0] in counted and value is not None
        }

    @property
    def bands(self):
        if self._bands is None:
            self._bands = quantifier_bands_current()
        return self._bands

    def strata(self) -> list[str]:
        return sorted({r.stratum for r in self.records})

    def questions_for(self, qi_code: str) -> list[Question]:
        return [
            q
            for q in self.questions
            if q.kind in COUNTED_KINDS and any(qi.code == qi_code for qi in q.qis.all())
        ]


def _reader_type(kinds: set[str]) -> str:
    for code, _, members in READER_TYPES:
        if kinds & set(members):
            return code
    return OTHER_READER[0]


def _reader_type_label(code: str) -> str:
    for key, label, _ in READER_TYPES:
        if key == code:
            return label
    return OTHER_READER[1]


# --- Words -----------------------------------------------------------------------------------


def _counts_words(numerator: int, denominator: int) -> str:
    """Return "85% (83 of 98)", or "7 of 9" below the minimum denominator."""
    if denominator == 0:
        return "none answered"
    shown = percentage(numerator, denominator)
    counts = f"{numerator:,} of {denominator:,}"
    return f"{shown} ({counts})" if shown else counts


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[1].islower():
        return text[:1].lower() + text[1:]
    return text


def _rating_subject(question: Question) -> str | None:
    """Return the plural noun a rating question grades: "Quality of the CJSWR" → "CJSWRs"."""
    prefix = "Quality of the "
    if question.text.startswith(prefix):
        return question.text[len(prefix) :].rstrip(".") + "s"
    return None


def _section_of(qi) -> str:
    return f"{qi.code} {qi.name}"


# --- Figures ---------------------------------------------------------------------------------


@dataclass
class _Figure:
    """A figure while it is computed: the records behind it are kept as CountedRecords."""

    code: str
    section: str
    definition: str
    records: list[CountedRecord]
    denominator: int
    words: str
    label: str = ""  # the row label on the evidence page ("Very good", "Yes")
    count: int | None = None  # for figures not made of records (people interviewed)

    @property
    def numerator(self) -> int:
        return len(self.records) if self.count is None else self.count

    @property
    def percent(self) -> str | None:
        if not self.denominator:
            return None
        return percentage(self.numerator, self.denominator)

    @property
    def bar(self) -> int:
        """Whole percentage for a bar's width (0 when nothing was answered)."""
        if not self.denominator:
            return 0
        return round(100 * self.numerator / self.denominator)

    @property
    def counts(self) -> str:
        return f"{self.numerator:,} of {self.denominator:,}"

    @property
    def counts_words(self) -> str:
        return _counts_words(self.numerator, self.denominator)

    @property
    def bar_src(self) -> str:
        """A bar as long as the proportion, as an SVG data URI (the table gives the numbers)."""
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="16" viewBox="0 0 100 16">'
            '<rect width="100" height="16" fill="#f3f2f1"/>'
            f'<rect width="{self.bar}" height="16" fill="#1d70b8"/></svg>'
        )
        return svg_data_uri(svg)

    def computed(self, inspection: Inspection) -> ComputedFigure:
        return ComputedFigure(
            code=self.code,
            section=self.section,
            definition=self.definition,
            numerator=self.numerator,
            denominator=self.denominator,
            words=self.words,
            records=tuple((r.id, r.reference) for r in self.records),
            records_url=_records_url(inspection, self.code) if self.count is None else "",
        )


def _records_url(inspection: Inspection, code: str) -> str:
    return reverse(
        "inspections:evidence_figure_records", kwargs={"pk": inspection.pk, "figure_code": code}
    )


@dataclass
class DistributionRow:
    label: str
    figure: _Figure


@dataclass
class Breakdown:
    """One question's headline figure split by stratum or by reader type."""

    label: str  # "Supervision (no unpaid work)", "Associate assessors"
    figures: list[_Figure]
    headline: _Figure | None = None  # the question's headline figure within this part


@dataclass
class Distribution:
    """The answers that count to one question, with its words and breakdowns."""

    question: Question
    code: str  # "5.2-Q18"
    answered: int
    rows: list[DistributionRow]
    groups: list[DistributionRow] = field(default_factory=list)  # ratings: grade groups
    sentence: str = ""
    headline: _Figure | None = None
    by_stratum: list[Breakdown] = field(default_factory=list)
    by_reader: list[Breakdown] = field(default_factory=list)
    not_applicable: _Figure | None = None

    @property
    def figures(self) -> list[_Figure]:
        found = [row.figure for row in self.rows] + [row.figure for row in self.groups]
        if self.not_applicable is not None:
            found.append(self.not_applicable)
        return found

    @property
    def breakdown_tables(self) -> list[tuple[list[Breakdown], str, str]]:
        """The breakdowns as the page shows them: (parts, caption, first column heading)."""
        tables = [
            (self.by_stratum, "By stratum", "Stratum"),
            (self.by_reader, "By the first reader’s part on the team", "Reader"),
        ]
        return [table for table in tables if table[0]]

    @property
    def breakdown_figures(self) -> list[_Figure]:
        return [f for b in self.by_stratum + self.by_reader for f in b.figures]


@dataclass
class CrossTabView:
    """Quality against timeliness: grades of a rating question by a timeliness answer."""

    code: str  # "5.2-X22x20"
    rating: Question
    timeliness: Question
    rows: list[tuple[str, _Figure, _Figure]]  # (grade label, on time, late) per grade
    groups: list[_Figure]  # on time within each compared group
    sentence: str
    total: int

    @property
    def figures(self) -> list[_Figure]:
        found = [f for _, on_time, late in self.rows for f in (on_time, late)]
        return found + self.groups


def _sentence(bands, numerator: int, denominator: int, subject: str, predicate: str, **kw) -> str:
    """Return the statistics module's sentence, or say that nothing was answered."""
    if not denominator:
        return NOT_ANSWERED
    finding = Finding(
        numerator=numerator, denominator=denominator, subject=subject, predicate=predicate
    )
    return sentence_for(finding, bands, **kw)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _distribution(
    data: _EvidenceData, qi, question: Question, *, records: list[CountedRecord] | None = None
) -> Distribution:
    """Compute one question's distribution for a QI (all counted records unless `records`)."""
    records = data.records if records is None else records
    answers = data.answers
    section = _section_of(qi)
    base = f"{qi.code}-Q{question.position}"
    text = question.text
    answered = [r for r in records if (r.id, question.code) in answers]
    distribution = Distribution(question=question, code=base, answered=len(answered), rows=[])

    def value(r):
        return answers.get((r.id, question.code))

    def figure(suffix, label, behind, denominator, definition, words=None):
        return _Figure(
            code=f"{base}-{suffix}",
            section=section,
            definition=definition,
            records=behind,
            denominator=denominator,
            words=words if words is not None else _counts_words(len(behind), denominator),
            label=label,
        )

    if question.kind == Question.Kind.RATING_6:
        n = len(answered)
        for grade in range(6, 0, -1):
            label = f"{grade} {GRADE_WORDS[grade]}"
            behind = [r for r in answered if value(r) == grade]
            definition = (
                f"Records whose answer that counts to “{text}” is {label}, of the {n} records "
                "rated."
            )
            distribution.rows.append(
                DistributionRow(label, figure(f"g{grade}", label, behind, n, definition))
            )
        subject = _rating_subject(question)
        for suffix, group in RATING_GROUPS:
            behind = [r for r in answered if value(r) in group]
            grades = ", ".join(str(g) for g in sorted(group.values))
            if subject:
                words_subject, predicate = subject, f"were {group.phrase}"
            else:
                words_subject = "records"
                predicate = f"were rated {group.phrase} for {_lower_first(text)}"
            extra = {}
            if suffix == "good" and n:
                weak = sum(1 for r in answered if value(r) in WEAK_OR_UNSATISFACTORY)
                extra["with_small_count"] = Finding(
                    numerator=weak,
                    denominator=n,
                    subject=words_subject,
                    predicate=f"were {WEAK_OR_UNSATISFACTORY.phrase}",
                )
            words = _sentence(data.bands, len(behind), n, words_subject, predicate, **extra)
            definition = (
                f"Records rated {group.phrase} (grades {grades} on the six-point scale) for "
                f"“{text}”, of the {n} records rated."
            )
            distribution.groups.append(
                DistributionRow(
                    _capital(group.phrase),
                    figure(suffix, group.phrase, behind, n, definition, words),
                )
            )
        distribution.headline = distribution.groups[0].figure
    elif question.kind == Question.Kind.YES_NO_NA:
        applicable = [r for r in answered if value(r) in ("yes", "no")]
        n = len(applicable)
        for answer in ("yes", "no"):
            label = YES_NO_LABELS[answer]
            behind = [r for r in applicable if value(r) == answer]
            definition = (
                f"Records whose answer that counts to “{text}” is “{answer}”, of the {n} "
                "records where it applied (answered yes or no)."
            )
            predicate = f"were answered “{answer}” to “{text}”"
            words = _sentence(data.bands, len(behind), n, "records", predicate)
            distribution.rows.append(
                DistributionRow(label, figure(answer, label, behind, n, definition, words))
            )
        behind = [r for r in answered if value(r) == "na"]
        distribution.not_applicable = figure(
            "na",
            "Not applicable",
            behind,
            len(answered),
            f"Records whose answer that counts to “{text}” is “not applicable”, of the "
            f"{len(answered)} records answered.",
        )
        distribution.headline = distribution.rows[0].figure
    else:
        multiple = question.kind == Question.Kind.MULTIPLE_CHOICE
        n = len(answered)
        for index, option in enumerate(question.options, start=1):
            code = option.get("value")
            label = option.get("label", code)
            behind = [r for r in answered if (code in value(r) if multiple else value(r) == code)]
            definition = (
                f"Records whose answer that counts to “{text}” "
                f"{'includes' if multiple else 'is'} “{label}”, of the {n} records answered."
            )
            distribution.rows.append(
                DistributionRow(label, figure(f"o{index}", label, behind, n, definition))
            )
        if distribution.rows:
            top = max(distribution.rows, key=lambda row: row.figure.numerator)
            distribution.headline = top.figure
            top.figure.words = _sentence(
                data.bands, top.figure.numerator, n, "records", f"had “{top.label}” for “{text}”"
            )
    if distribution.headline is not None:
        distribution.sentence = distribution.headline.words
    return distribution


def _breakdowns(data: _EvidenceData, qi, distribution: Distribution) -> None:
    """Split the question's figures by stratum and by reader type (codes suffixed -s1, -rins)."""
    if distribution.headline is None:
        return
    parts = [
        (
            distribution.by_stratum,
            stratum_label(stratum),
            f"s{index}",
            (lambda r, s=stratum: r.stratum == s),
            f"in the stratum “{stratum_label(stratum)}”",
        )
        for index, stratum in enumerate(data.strata(), start=1)
    ]
    present = {r.reader_type for r in data.records if r.reader_type}
    for code in [c for c, _, _ in READER_TYPES] + [OTHER_READER[0]]:
        if code in present:
            label = _reader_type_label(code)
            parts.append(
                (
                    distribution.by_reader,
                    label,
                    f"r{code}",
                    (lambda r, c=code: r.reader_type == c),
                    f"whose first reader was one of the {label.lower()}",
                )
            )
    for target, label, suffix, member, where in parts:
        records = [r for r in data.records if member(r)]
        part = _distribution(data, qi, distribution.question, records=records)
        figures = _suffixed(part.figures, suffix, where)
        headline_code = f"{distribution.headline.code}-{suffix}"
        target.append(
            Breakdown(
                label,
                figures,
                headline=next((f for f in figures if f.code == headline_code), None),
            )
        )


def _suffixed(figures: list[_Figure], suffix: str, where: str) -> list[_Figure]:
    for figure in figures:
        figure.code = f"{figure.code}-{suffix}"
        figure.definition = figure.definition.rstrip(".") + f", counting only records {where}."
        figure.words = figure.counts_words
    return figures


def _crosstabs(data: _EvidenceData, qi, questions: list[Question]) -> list[CrossTabView]:
    """Quality against timeliness for each rating and timeliness question of one section."""
    views = []
    answers = data.answers
    for rating in [q for q in questions if q.kind == Question.Kind.RATING_6]:
        for timely in questions:
            if not (
                timely.kind == Question.Kind.YES_NO_NA
                and (timely.derived or {}).get("function") == TIMELINESS_FUNCTION
                and timely.section_id == rating.section_id
            ):
                continue
            views.append(_crosstab(data, qi, rating, timely, answers))
    return views


def _crosstab(data, qi, rating: Question, timely: Question, answers) -> CrossTabView:
    section = _section_of(qi)
    code = f"{qi.code}-X{rating.position}x{timely.position}"
    both = [
        r
        for r in data.records
        if (r.id, rating.code) in answers and answers.get((r.id, timely.code)) in ("yes", "no")
    ]
    pairs = [(answers[(r.id, rating.code)], answers[(r.id, timely.code)]) for r in both]
    table = crosstab(pairs, rows=range(1, 7), columns=("yes", "no"))
    subject = _rating_subject(rating) or "records"
    rows = []
    for grade in range(6, 0, -1):
        in_row = [r for r in both if answers[(r.id, rating.code)] == grade]
        cells = []
        for column in ("yes", "no"):
            behind = [r for r in in_row if answers[(r.id, timely.code)] == column]
            cells.append(
                _Figure(
                    code=f"{code}-g{grade}{column[0]}",
                    section=section,
                    definition=(
                        f"Records rated {grade} ({GRADE_WORDS[grade]}) for “{rating.text}” "
                        f"whose answer to “{timely.text}” is “{column}”, of the "
                        f"{table.row_total(grade)} rated {grade} with a yes or no answer to it."
                    ),
                    records=behind,
                    denominator=table.row_total(grade),
                    words=_counts_words(len(behind), table.row_total(grade)),
                    label=column,
                )
            )
        rows.append((f"{grade} {GRADE_WORDS[grade]}", cells[0], cells[1]))
    collapsed = table.collapse_rows({suffix: group.values for suffix, group in CROSSTAB_GROUPS})
    groups = []
    compared = []
    for suffix, group in CROSSTAB_GROUPS:
        behind = [
            r
            for r in both
            if answers[(r.id, rating.code)] in group and answers[(r.id, timely.code)] == "yes"
        ]
        if collapsed.row_total(suffix):
            compared.append(collapsed.group(suffix, "yes", label=f"rated {group.phrase}"))
        groups.append(
            _Figure(
                code=f"{code}-{suffix}",
                section=section,
                definition=(
                    f"{subject[:1].upper()}{subject[1:]} rated {group.phrase} for "
                    f"“{rating.text}” with the answer “yes” to “{timely.text}”, of those rated "
                    f"{group.phrase} with a yes or no answer to it."
                ),
                records=behind,
                denominator=collapsed.row_total(suffix),
                words=_counts_words(len(behind), collapsed.row_total(suffix)),
                label=f"Rated {group.phrase}",
            )
        )
    sentence = ""
    if len(compared) == len(CROSSTAB_GROUPS):
        sentence = compare_sentence(
            subject=subject,
            predicate=_timeliness_predicate(timely.text),
            first=compared[0],
            second=compared[1],
        )
        for figure in groups:
            figure.words = sentence
    return CrossTabView(
        code=code,
        rating=rating,
        timeliness=timely,
        rows=rows,
        groups=groups,
        sentence=sentence,
        total=len(both),
    )


def _timeliness_predicate(text: str) -> str:
    """ "LS/CMI completed within 20 working days" → "were completed within 20 working days"."""
    for word in (" completed ", " within ", " started "):
        if word in text:
            head, _, tail = text.partition(word)
            return f"were {word.strip()} {tail}".strip()
    return f"met “{text}”"


# --- QI evidence -----------------------------------------------------------------------------


@dataclass
class InterviewRow:
    label: str
    numerator: int
    denominator: int

    @property
    def words(self) -> str:
        return _counts_words(self.numerator, self.denominator)

    @property
    def bar(self) -> int:
        return round(100 * self.numerator / self.denominator) if self.denominator else 0


@dataclass
class InterviewResult:
    question: Question
    answered: int
    rows: list[InterviewRow]


@dataclass
class QIEvidence:
    inspection: Inspection
    inspection_qi: InspectionQI
    records: int  # records in the sample whose answers count
    distributions: list[Distribution]
    crosstabs: list[CrossTabView]
    interviews: list[InterviewResult]
    interviewed: int
    self_assessment: SelfAssessment | None
    discussions: list[FieldworkEvent]
    note: EvidenceNote | None

    @property
    def quality_indicator(self):
        return self.inspection_qi.quality_indicator

    @property
    def answered(self) -> list[Distribution]:
        return [d for d in self.distributions if d.answered]

    @property
    def unanswered(self) -> list[Question]:
        return [d.question for d in self.distributions if not d.answered]


def _qi_parts(data: _EvidenceData, qi, *, breakdowns: bool) -> tuple[list, list]:
    questions = data.questions_for(qi.code)
    distributions = []
    for question in questions:
        distribution = _distribution(data, qi, question)
        if breakdowns:
            _breakdowns(data, qi, distribution)
        distributions.append(distribution)
    return distributions, _crosstabs(data, qi, questions)


def _interview_results(inspection: Inspection, qi_code: str) -> tuple[int, list[InterviewResult]]:
    """Aggregate the interview answers of people who consented, for questions of one QI."""
    activity = inspection.activity
    if not activity.interview_instrument_id:
        return 0, []
    questions = [
        q
        for q in Question.objects.filter(version_id=activity.interview_instrument_id)
        .prefetch_related("qis")
        .order_by("position")
        if q.kind in COUNTED_KINDS and any(qi.code == qi_code for qi in q.qis.all())
    ]
    consented = set(
        InterviewAnswer.objects.filter(
            interview__activity=activity, question__code=CONSENT_QUESTION, value_code="yes"
        ).values_list("interview_id", flat=True)
    )
    by_question: dict[int, list] = defaultdict(list)
    for answer in InterviewAnswer.objects.filter(
        interview_id__in=consented, question__in=questions
    ).select_related("question"):
        value = answer.value
        if value is not None:
            by_question[answer.question_id].append(value)
    results = []
    for question in questions:
        values = by_question.get(question.pk, [])
        rows: list[InterviewRow] = []
        if question.kind == Question.Kind.RATING_6:
            counts = Counter(values)
            rows = [
                InterviewRow(f"{g} {GRADE_WORDS[g]}", counts.get(g, 0), len(values))
                for g in range(6, 0, -1)
            ]
            rows.append(
                InterviewRow(
                    GOOD_OR_BETTER.phrase[:1].upper() + GOOD_OR_BETTER.phrase[1:],
                    GOOD_OR_BETTER.count(values),
                    len(values),
                )
            )
        elif question.kind == Question.Kind.YES_NO_NA:
            counts = Counter(values)
            rows = [
                InterviewRow(YES_NO_LABELS[v], counts.get(v, 0), len(values)) for v in YES_NO_LABELS
            ]
        else:
            multiple = question.kind == Question.Kind.MULTIPLE_CHOICE
            for option in question.options:
                code = option.get("value")
                n = sum(1 for v in values if (code in v if multiple else v == code))
                rows.append(InterviewRow(option.get("label", code), n, len(values)))
        results.append(InterviewResult(question=question, answered=len(values), rows=rows))
    return len(consented), results


def qi_evidence(*, inspection: Inspection, code: str) -> QIEvidence | None:
    """Return everything the evidence page of one QI in scope shows; None if it is not in
    scope."""
    data = _EvidenceData(inspection)
    inspection_qi = next((q for q in data.qis if q.quality_indicator.code == code), None)
    if inspection_qi is None:
        return None
    qi = inspection_qi.quality_indicator
    distributions, crosstabs = _qi_parts(data, qi, breakdowns=True)
    interviewed, interviews = _interview_results(inspection, code)
    return QIEvidence(
        inspection=inspection,
        inspection_qi=inspection_qi,
        records=len(data.records),
        distributions=distributions,
        crosstabs=crosstabs,
        interviews=interviews,
        interviewed=interviewed,
        self_assessment=SelfAssessment.objects.filter(
            inspection=inspection, quality_indicator=qi
        ).first(),
        discussions=list(
            FieldworkEvent.objects.filter(activity=inspection.activity, kind__in=DISCUSSION_KINDS)
            .exclude(status=FieldworkEvent.Status.CANCELLED)
            .exclude(notes="")
            .order_by("date", "start_time")
        ),
        note=EvidenceNote.objects.filter(inspection=inspection, quality_indicator=qi)
        .select_related("updated_by")
        .first(),
    )


@dataclass
class QIHeadline:
    inspection_qi: InspectionQI
    questions: int
    headline: _Figure | None
    question: Question | None

    @property
    def quality_indicator(self):
        return self.inspection_qi.quality_indicator


def qi_evidence_index(*, inspection: Inspection) -> tuple[int, list[QIHeadline]]:
    """Return the number of records counted and, for each QI in scope, one headline figure:
    the first answered rating question's "good or better", else the first answered question's
    headline."""
    data = _EvidenceData(inspection)
    rows = []
    for inspection_qi in data.qis:
        qi = inspection_qi.quality_indicator
        distributions = [_distribution(data, qi, q) for q in data.questions_for(qi.code)]
        answered = [d for d in distributions if d.answered]
        chosen = next(
            (d for d in answered if d.question.kind == Question.Kind.RATING_6), None
        ) or next(iter(answered), None)
        rows.append(
            QIHeadline(
                inspection_qi=inspection_qi,
                questions=len(distributions),
                headline=chosen.headline if chosen else None,
                question=chosen.question if chosen else None,
            )
        )
    return len(data.records), rows


# --- Method figures --------------------------------------------------------------------------


def _method_figures(data: _EvidenceData) -> list[_Figure]:
    activity = data.activity
    read = [r for r in data.records if r.submitted]
    figures = [
        _Figure(
            code="M-records",
            section=METHOD_SECTION,
            definition=(
                "Records in the sample with a submitted first reading, of all the records in "
                "the population uploaded for the inspection."
            ),
            records=read,
            denominator=max(data.population_size, len(read)),
            words=f"{len(read):,} of {data.population_size:,} records",
        )
    ]
    interviews = list(Interview.objects.filter(activity=activity).values_list("pk", flat=True))
    consented = InterviewAnswer.objects.filter(
        interview__activity=activity, question__code=CONSENT_QUESTION, value_code="yes"
    ).count()
    figures.append(
        _Figure(
            code="M-interviews",
            section=METHOD_SECTION,
            definition=(
                "People on orders interviewed (they agreed to take part), of all the interviews "
                "recorded."
            ),
            records=[],
            count=consented,
            denominator=len(interviews),
            words=f"{consented:,} {'person' if consented == 1 else 'people'} interviewed",
        )
    )
    events = list(
        FieldworkEvent.objects.filter(activity=activity, kind__in=DISCUSSION_KINDS).exclude(
            status=FieldworkEvent.Status.CANCELLED
        )
    )
    groups = [e for e in events if e.kind == FieldworkEvent.Kind.STAFF_FOCUS_GROUP]
    held = [e for e in groups if e.status == FieldworkEvent.Status.COMPLETED]
    figures.append(
        _Figure(
            code="M-focus-groups",
            section=METHOD_SECTION,
            definition="Staff focus groups held, of the staff focus groups planned.",
            records=[],
            count=len(held),
            denominator=len(groups),
            words=f"{len(held)} focus group{'' if len(held) == 1 else 's'}",
        )
    )
    staff = sum(
        count
        for e in events
        if e.status == FieldworkEvent.Status.COMPLETED
        for category, count in (e.participants or {}).items()
        if category in STAFF_CATEGORIES and isinstance(count, int)
    )
    figures.append(
        _Figure(
            code="M-staff",
            section=METHOD_SECTION,
            definition=(
                "Staff, partners, managers and elected members who took part in focus groups "
                "and meetings held (participants recorded for each completed event)."
            ),
            records=[],
            count=staff,
            denominator=staff,
            words=f"{staff:,} staff and partners met",
        )
    )
    return figures


# --- Public entry points -----------------------------------------------------------------------


def _all_figures(data: _EvidenceData, *, breakdowns: bool) -> dict[str, list[_Figure]]:
    result: dict[str, list[_Figure]] = {}
    for inspection_qi in data.qis:
        qi = inspection_qi.quality_indicator
        distributions, crosstabs = _qi_parts(data, qi, breakdowns=breakdowns)
        figures: list[_Figure] = []
        for distribution in distributions:
            figures.extend(distribution.figures)
            if breakdowns:
                figures.extend(distribution.breakdown_figures)
        for view in crosstabs:
            figures.extend(view.figures)
        result[qi.code] = figures
    result[METHOD] = _method_figures(data)
    return result


def inspection_figures(*, inspection) -> dict[str, list[ComputedFigure]]:
    """Every computed figure of an inspection, keyed by QI code ("1.1", "5.2", …), plus
    "method": the methodology figures (records read of the population, e.g. numerator 97,
    denominator 683, words "97 of 683 records"; people interviewed; focus groups; staff met).

    Reading figures over no answers (0 of 0: a question nobody has answered) are left out, so
    a report and its register list only figures that say something; the evidence pages still
    show those questions. Breakdowns by stratum and reader type are on the evidence pages only.
    """
    data = _EvidenceData(inspection)
    return {
        key: [
            figure.computed(inspection) for figure in figures if key == METHOD or figure.denominator
        ]
        for key, figures in _all_figures(data, breakdowns=False).items()
    }


@dataclass(frozen=True)
class FigureRecord:
    id: int
    reference: str
    stratum: str
    reading_url: str | None


@dataclass(frozen=True)
class FigureRecords:
    figure: ComputedFigure
    records: list[FigureRecord]


def figure_records(*, inspection: Inspection, figure_code: str) -> FigureRecords | None:
    """Return the figure with the code and the sampled records behind it (reference, stratum
    and the first reading's page); None when the inspection has no such figure."""
    data = _EvidenceData(inspection)
    # A figure's code starts with its QI's code (or "M" for the method): compute only those.
    prefix = figure_code.split("-", 1)[0]
    if prefix != "M":
        data.qis = [q for q in data.qis if q.quality_indicator.code == prefix]
    for figures in _all_figures(data, breakdowns=True).values():
        for figure in figures:
            if figure.code == figure_code:
                return FigureRecords(
                    figure=figure.computed(inspection),
                    records=[
                        FigureRecord(
                            id=r.id,
                            reference=r.reference,
                            stratum=stratum_label(r.stratum),
                            reading_url=reverse(
                                "inspections:reading_update", kwargs={"pk": r.first_reading_id}
                            )
                            if r.first_reading_id
                            else None,
                        )
                        for r in figure.records
                    ],
                )
    return None
