"""Reads for a thematic review's analysis: what each source says about each QI considered.

One pass over a review's data (`ReviewData`, a fixed number of queries per area and per
source, never per record or answer) feeds:
- `review_figures`: every figure the national report may print, keyed by QI code plus "method"
  (areas, records read of the population per area and per licence type, survey responses and
  rates, interviews), as `reports.figure_register.ComputedFigure`s;
- `triangulation`: for one QI, the record reading (across areas and per area), the staff
  survey, the prison survey and the interviews side by side, with theme counts and a plain
  aid to where the sources agree and differ;
- `figure_records`: the sampled records behind one reading figure.

Sources are worked out generically from the questions linked to each QI (`Question.qis`) in
the review's four instruments, so the analysis follows whatever the instruments ask.
- Record reading counts the answer that counts (`inspections.selectors.answers_that_count`:
  moderated, else the first reading) for each sampled record still in the sample whose first
  reading is submitted.
- Surveys and interviews count questionnaire-engine responses through links: the staff survey
  of an area through links whose subject is the area, the prison survey (general link and
  paper entry) and the recall interviews through links whose subject is the review; the
  instrument tells them apart.

"Positive" is the one measure compared across sources, and it is shown with its rule:
grades 4 to 6 (good or better) for six-point ratings; "yes" of the yes or no answers for
yes/no questions; for choice questions the options marked `"positive": true` in the
instrument's data file, or else the options whose values are in POSITIVE_OPTION_VALUES. An
option (or, for yes/no questions, `{"value": "no", "positive": true}`) marked positive in the
data file always wins, and a question whose options are all marked `"positive": false` (a
descriptive question, such as "Was the person recalled?") has no measure. Answers in
NEUTRAL_VALUES ("not applicable", "don't know") are left out of the denominator.
"""

from collections import Counter
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from inspections.models import PopulationRecord, Reading, Sample, SampleRecord
from inspections.selectors.moderation import answers_that_count
from qi_framework.models import Question, Response, ResponseAnswer
from reports.figure_register import ComputedFigure
from reports.statistics import (
    GOOD_OR_BETTER,
    Finding,
    Group,
    compare_sentence,
    number_words,
    percentage,
    quantifier_bands_current,
    sentence_for,
)
from reports.statistics.phrases import GRADE_WORDS
from throughcare.models import ReviewArea, ThematicReview, ThemeTag

__all__ = [
    "DEFAULT_DIFFERENCE_THRESHOLD",
    "METHOD",
    "SOURCES",
    "AreaMethod",
    "Comparison",
    "FigureRecords",
    "QIHeadline",
    "QuestionResult",
    "ReviewData",
    "SourceResult",
    "Triangulation",
    "counts_words",
    "figure_records",
    "method_from",
    "review_figures",
    "review_method",
    "stratum_name",
    "triangulation",
    "triangulation_index",
]

METHOD = "method"
METHOD_SECTION = "Methodology"
# Percentage points between two sources' proportions positive above which the page flags
# them as differing; `settings.THROUGHCARE_DIFFERENCE_THRESHOLD` overrides it, and the page
# lets an inspector try another value.
DEFAULT_DIFFERENCE_THRESHOLD = 15


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    letter: str  # in figure codes
    unit: str  # plural noun for what is counted, inside a sentence
    instrument_field: str  # ThematicReview field naming the instrument version


SOURCES: tuple[Source, ...] = (
    Source("reading", "Record reading", "R", "records", "reading_instrument"),
    Source("staff", "Staff survey", "S", "staff survey responses", "staff_survey_instrument"),
    Source("prison", "Prison survey", "P", "prison survey responses", "prison_survey_instrument"),
    Source("interview", "Interviews", "I", "interviews", "interview_instrument"),
)
SOURCE_BY_KEY = {source.key: source for source in SOURCES}

COUNTED_KINDS = frozenset(
    {
        Question.Kind.RATING_6,
        Question.Kind.YES_NO_NA,
        Question.Kind.SINGLE_CHOICE,
        Question.Kind.MULTIPLE_CHOICE,
    }
)
POSITIVE_OPTION_VALUES = frozenset(
    {
        "strongly_agree",
        "agree",
        "yes",
        "always",
        "mostly",
        "usually",
        "very_good",
        "good",
        "excellent",
        "very_satisfied",
        "satisfied",
        "very_helpful",
        "helpful",
    }
)
NEUTRAL_VALUES = frozenset(
    {
        "na",
        "not_applicable",
        "dont_know",
        "do_not_know",
        "prefer_not_to_say",
        "prefer_not",
        "not_sure",
        "not_known",
        "no_not_needed",
    }
)
YES_NO_LABELS = {"yes": "Yes", "no": "No", "na": "Not applicable"}


def difference_threshold() -> int:
    return int(getattr(settings, "THROUGHCARE_DIFFERENCE_THRESHOLD", DEFAULT_DIFFERENCE_THRESHOLD))


# --- Words -----------------------------------------------------------------------------------


def counts_words(numerator: int, denominator: int) -> str:
    """Return "85% (83 of 98)", or "7 of 9" below the minimum denominator; "none answered"."""
    if denominator == 0:
        return "none answered"
    shown = percentage(numerator, denominator)
    counts = f"{numerator:,} of {denominator:,}"
    return f"{shown} ({counts})" if shown else counts


def _quoted(text: str) -> str:
    return f"“{text.rstrip('.?')}”"


def stratum_name(stratum: str, schema_code: str = "throughcare", column: str = "") -> str:
    """Return a licence type's label from the population schema ("parole" → "Parole licence")."""
    if not stratum:
        return "All records"
    try:
        from inspections.population_schemas import get_schema

        schema = get_schema(schema_code)
        columns = [schema.column(column)] if column else list(schema.columns)
    except Exception:  # noqa: BLE001 - the schema may not be registered yet: show the code
        columns = []
    for candidate in columns:
        label = candidate.choice_label(stratum)
        if label != stratum:
            return label
    return stratum.replace("_", " ").capitalize()


# --- Loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountedRecord:
    id: int  # SampleRecord id
    reference: str
    stratum: str
    area_id: int
    first_reading_id: int | None


@dataclass
class AreaData:
    area: ReviewArea
    number: int  # 1-based position among the review's areas, for figure codes
    sample: Sample | None
    records: list[CountedRecord]  # read: sampled, active, first reading submitted
    sample_size: int
    population_size: int
    population_by_stratum: dict[str, int]
    sample_by_stratum: dict[str, int]

    @property
    def name(self) -> str:
        return self.area.activity.authority.name


@dataclass(frozen=True)
class Unit:
    """One thing counted: a record read, or one response."""

    id: int
    area_id: int | None  # the area it belongs to (reading, staff survey), else None
    record: CountedRecord | None = None


class ReviewData:
    """Everything the analysis of one review is computed from."""

    def __init__(self, review: ThematicReview):
        self.review = review
        self.qis = list(review.quality_indicators.order_by("position", "code"))
        areas = list(
            ReviewArea.objects.filter(review=review)
            .select_related("activity__authority", "activity__sample")
            .order_by("position", "pk")
        )
        self.areas = [self._load_area(area, number) for number, area in enumerate(areas, 1)]
        self.area_by_id = {a.area.pk: a for a in self.areas}
        self.questions: dict[str, list[Question]] = {}
        for source in SOURCES:
            version_id = getattr(review, f"{source.instrument_field}_id")
            self.questions[source.key] = (
                list(
                    Question.objects.filter(version_id=version_id)
                    .select_related("section")
                    .prefetch_related("qis")
                    .order_by("position")
                )
                if version_id
                else []
            )
        self.units: dict[str, list[Unit]] = {}
        self.values: dict[str, dict[tuple[int, str], Any]] = {}
        self._load_reading()
        self._load_responses()
        self._bands = None

    # Record reading.
    def _load_area(self, area: ReviewArea, number: int) -> AreaData:
        sample = getattr(area.activity, "sample", None)
        records: list[CountedRecord] = []
        sample_by_stratum: Counter = Counter()
        population_by_stratum: Counter = Counter()
        population_size = 0
        sample_size = 0
        if sample is not None:
            sampled = list(
                SampleRecord.objects.filter(
                    sample=sample,
                    role=SampleRecord.Role.SAMPLED,
                    status=SampleRecord.Status.ACTIVE,
                )
                .select_related("record")
                .order_by("stratum", "rank")
            )
            sample_size = len(sampled)
            sample_by_stratum.update(r.stratum for r in sampled)
            first = {
                row["sample_record_id"]: row
                for row in Reading.objects.filter(
                    sample_record__sample=sample, order=Reading.Order.FIRST
                ).values("id", "sample_record_id", "status")
            }
            for record in sampled:
                reading = first.get(record.pk)
                if reading is None or reading["status"] != Reading.Status.SUBMITTED:
                    continue
                records.append(
                    CountedRecord(
                        id=record.pk,
                        reference=record.record.reference,
                        stratum=record.stratum,
                        area_id=area.pk,
                        first_reading_id=reading["id"],
                    )
                )
        population = getattr(area.activity, "population", None)
        if population is not None:
            population_size = population.row_count
            if sample is not None and sample.stratify_by:
                key = sample.stratify_by
                population_by_stratum.update(
                    str(data.get(key) or "")
                    for data in PopulationRecord.objects.filter(population=population)
                    .values_list("data", flat=True)
                    .iterator()
                )
        return AreaData(
            area=area,
            number=number,
            sample=sample,
            records=records,
            sample_size=sample_size,
            population_size=population_size,
            population_by_stratum=dict(population_by_stratum),
            sample_by_stratum=dict(sample_by_stratum),
        )

    def _load_reading(self) -> None:
        units: list[Unit] = []
        values: dict[tuple[int, str], Any] = {}
        for area in self.areas:
            if area.sample is None or not area.records:
                continue
            counted = {r.id for r in area.records}
            for (record_id, code), value in answers_that_count(sample=area.sample).items():
                if record_id in counted and value is not None:
                    values[(record_id, code)] = value
            units.extend(Unit(id=r.id, area_id=area.area.pk, record=r) for r in area.records)
        self.units["reading"] = units
        self.values["reading"] = values

    # Surveys and interviews.
    def _responses(self, source: Source):
        """Return the source's responses: through throughcare.selectors.surveys (so channels
        are told apart as its pages do), or, without it, by the links' subjects."""
        try:
            from throughcare.selectors.surveys import (
                SOURCE_INTERVIEWS,
                SOURCE_PRISON,
                SOURCE_STAFF,
                source_responses,
            )
        except ImportError:
            source_responses = None
        if source_responses is not None:
            key = {"staff": SOURCE_STAFF, "prison": SOURCE_PRISON, "interview": SOURCE_INTERVIEWS}
            return source_responses(review=self.review, source=key[source.key])
        version = getattr(self.review, source.instrument_field)
        if source.key == "staff":
            where = {
                "link__subject_type": ContentType.objects.get_for_model(ReviewArea),
                "link__subject_id__in": list(self.area_by_id),
            }
        else:
            where = {
                "link__subject_type": ContentType.objects.get_for_model(ThematicReview),
                "link__subject_id": self.review.pk,
            }
        return Response.objects.filter(
            **where, instrument_version__instrument_id=version.instrument_id
        )

    def _load_responses(self) -> None:
        for source in SOURCES[1:]:
            if getattr(self.review, source.instrument_field) is None:
                self.units[source.key], self.values[source.key] = [], {}
                continue
            responses = self._responses(source)
            self.units[source.key] = [
                Unit(id=pk, area_id=subject if source.key == "staff" else None)
                for pk, subject in responses.order_by("id").values_list("id", "link__subject_id")
            ]
            kinds = {q.code: q.kind for q in self.questions[source.key]}
            values: dict[tuple[int, str], Any] = {}
            rows = ResponseAnswer.objects.filter(
                response__in=responses.values("id"),
                question__code__in=list(kinds),
            ).values_list(
                "response_id", "question__code", "value_code", "value_number", "value_choices"
            )
            for response_id, code, value_code, number, choices in rows.iterator():
                kind = kinds[code]
                if kind == Question.Kind.RATING_6:
                    value = int(number) if number is not None else None
                elif kind == Question.Kind.MULTIPLE_CHOICE:
                    value = list(choices) if choices else None
                else:
                    value = value_code or None
                if value is not None:
                    values[(response_id, code)] = value
            self.values[source.key] = values

    @property
    def bands(self):
        if self._bands is None:
            self._bands = quantifier_bands_current()
        return self._bands

    def questions_for(self, source: str, qi_code: str | None) -> list[Question]:
        return [
            q
            for q in self.questions[source]
            if q.kind in COUNTED_KINDS
            and (qi_code is None or any(qi.code == qi_code for qi in q.qis.all()))
        ]

    def units_in(self, source: str, area_id: int | None = None) -> list[Unit]:
        units = self.units[source]
        return units if area_id is None else [u for u in units if u.area_id == area_id]


# --- One question ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    numerator: int
    denominator: int
    code: str
    records: tuple[CountedRecord, ...] = ()

    @property
    def words(self) -> str:
        return counts_words(self.numerator, self.denominator)

    @property
    def bar(self) -> int:
        return round(100 * self.numerator / self.denominator) if self.denominator else 0


@dataclass
class QuestionResult:
    """What one source's answers to one question say."""

    source: Source
    question: Question
    code: str  # "5.2-R12": QI, source letter, question position
    answered: int
    rows: list[Row]
    positive_label: str  # "good or better", "“Agree” or “Strongly agree”"; "" if no measure
    positive: Row | None  # the answers counted as positive, of those that count
    sentence: str

    @property
    def has_measure(self) -> bool:
        return self.positive is not None


def _positive_rule(question: Question) -> tuple[frozenset, str]:
    """Return the values counted as positive for a question and how to say them."""
    options = question.options or []
    marked = [o for o in options if isinstance(o, dict) and "positive" in o]
    flagged = [o for o in marked if o["positive"]]
    if marked and not flagged:
        return frozenset(), ""  # marked `"positive": false`: descriptive, not compared
    if flagged:
        values = frozenset(str(o["value"]) for o in flagged)
        if question.kind == Question.Kind.YES_NO_NA:
            return values, " or ".join(f"“{YES_NO_LABELS.get(v, v).lower()}”" for v in values)
        return values, " or ".join(f"“{o.get('label', o['value'])}”" for o in flagged)
    if question.kind == Question.Kind.RATING_6:
        return GOOD_OR_BETTER.values, GOOD_OR_BETTER.phrase
    if question.kind == Question.Kind.YES_NO_NA:
        return frozenset({"yes"}), "“yes”"
    chosen = [o for o in options if o.get("value") in POSITIVE_OPTION_VALUES]
    return (
        frozenset(o["value"] for o in chosen),
        " or ".join(f"“{o.get('label', o['value'])}”" for o in chosen),
    )


def _neutral(question: Question, value: Any) -> bool:
    if question.kind == Question.Kind.RATING_6:
        return False
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return bool(value) and all(v in NEUTRAL_VALUES for v in value)
    return value in NEUTRAL_VALUES


def _is_positive(question: Question, values: frozenset, value: Any) -> bool:
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return any(v in values for v in value or [])
    return value in values


def question_result(
    data: ReviewData,
    source: Source,
    question: Question,
    units: list[Unit],
    *,
    prefix: str,
    suffix: str = "",
) -> QuestionResult:
    """Count one source's answers to one question over `units` (all of them, or one area's)."""
    answers = data.values[source.key]

    def value(unit: Unit) -> Any:
        return answers.get((unit.id, question.code))

    answered = [u for u in units if value(u) is not None]
    base = f"{prefix}-{source.letter}{question.position}"
    text = question.text

    def row(label: str, code: str, members: list[Unit], of: int) -> Row:
        return Row(
            label=label,
            numerator=len(members),
            denominator=of,
            code=f"{base}-{code}{suffix}",
            records=tuple(u.record for u in members if u.record is not None),
        )

    rows: list[Row] = []
    if question.kind == Question.Kind.RATING_6:
        for grade in range(6, 0, -1):
            members = [u for u in answered if value(u) == grade]
            rows.append(row(f"{grade} {GRADE_WORDS[grade]}", f"g{grade}", members, len(answered)))
    elif question.kind == Question.Kind.YES_NO_NA:
        for answer, label in YES_NO_LABELS.items():
            members = [u for u in answered if value(u) == answer]
            rows.append(row(label, answer, members, len(answered)))
    else:
        multiple = question.kind == Question.Kind.MULTIPLE_CHOICE
        for index, option in enumerate(question.options, start=1):
            option_value = option.get("value")
            members = [
                u
                for u in answered
                if (option_value in (value(u) or []) if multiple else value(u) == option_value)
            ]
            rows.append(row(option.get("label", option_value), f"o{index}", members, len(answered)))

    values, label = _positive_rule(question)
    positive = None
    sentence = ""
    if values:
        counted = [u for u in answered if not _neutral(question, value(u))]
        members = [u for u in counted if _is_positive(question, values, value(u))]
        positive = row(label[:1].upper() + label[1:], "pos", members, len(counted))
        if question.kind == Question.Kind.RATING_6:
            predicate = f"were rated {label} for {_quoted(text)}"
        else:
            predicate = f"answered {label} to {_quoted(text)}"
        if counted:
            sentence = sentence_for(
                Finding(
                    numerator=len(members),
                    denominator=len(counted),
                    subject=source.unit,
                    predicate=predicate,
                ),
                data.bands,
            )
        else:
            sentence = f"None of the {source.unit} answered {_quoted(text)}."
    elif answered:
        top = max(rows, key=lambda r: r.numerator)
        sentence = sentence_for(
            Finding(
                numerator=top.numerator,
                denominator=len(answered),
                subject=source.unit,
                predicate=f"answered “{top.label}” to {_quoted(text)}",
            ),
            data.bands,
        )
    else:
        sentence = f"None of the {source.unit} answered {_quoted(text)}."
    return QuestionResult(
        source=source,
        question=question,
        code=base,
        answered=len(answered),
        rows=rows,
        positive_label=label if values else "",
        positive=positive,
        sentence=sentence,
    )


# --- One source about one QI -----------------------------------------------------------------


@dataclass
class SourceResult:
    """One source's answers to the questions linked to one QI (over all areas, or one)."""

    source: Source
    units: int  # records read, or responses
    questions: list[QuestionResult]
    positive: Row | None  # pooled over the questions that have a measure
    sentence: str

    @property
    def label(self) -> str:
        return self.source.label

    @property
    def proportion(self) -> Fraction | None:
        if self.positive is None or not self.positive.denominator:
            return None
        return Fraction(self.positive.numerator, self.positive.denominator)


def source_result(
    data: ReviewData,
    source: Source,
    qi_code: str | None,
    *,
    area_id: int | None = None,
    prefix: str | None = None,
    suffix: str = "",
) -> SourceResult:
    units = data.units_in(source.key, area_id)
    prefix = prefix or qi_code or "all"
    questions = [
        question_result(data, source, q, units, prefix=prefix, suffix=suffix)
        for q in data.questions_for(source.key, qi_code)
    ]
    measured = [q.positive for q in questions if q.positive is not None]
    positive = None
    sentence = ""
    if measured:
        numerator = sum(r.numerator for r in measured)
        denominator = sum(r.denominator for r in measured)
        records = tuple(rec for r in measured for rec in r.records)
        positive = Row(
            label="Positive answers",
            numerator=numerator,
            denominator=denominator,
            code=f"{prefix}-{source.letter}-pos{suffix}",
            records=tuple(dict.fromkeys(records)),
        )
        if denominator:
            sentence = sentence_for(
                Finding(
                    numerator=numerator,
                    denominator=denominator,
                    subject=f"answers from the {source.label.lower()}",
                    predicate=(
                        f"to the {number_words(len(measured))} "
                        f"question{'s' if len(measured) != 1 else ''} compared were positive"
                    ),
                ),
                data.bands,
            )
        else:
            sentence = f"No answers from the {source.label.lower()} yet."
    return SourceResult(
        source=source, units=len(units), questions=questions, positive=positive, sentence=sentence
    )


# --- The triangulation page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    first: SourceResult
    second: SourceResult
    difference: int  # whole percentage points, first minus second
    differs: bool
    sentence: str

    @property
    def points(self) -> int:
        return abs(self.difference)


@dataclass
class AreaRow:
    area: AreaData
    reading: SourceResult
    staff: SourceResult


@dataclass
class Triangulation:
    review: ThematicReview
    quality_indicator: Any
    sources: list[SourceResult]
    areas: list[AreaRow]
    themes: list[tuple[str, str, int]]  # (theme, source label, answers tagged)
    comparisons: list[Comparison]
    threshold: int

    @property
    def compared(self) -> list[SourceResult]:
        return [s for s in self.sources if s.proportion is not None]

    @property
    def differences(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.differs]

    @property
    def summary(self) -> str:
        compared = self.compared
        if len(compared) < 2:
            return (
                "Fewer than two sources have answers to compare yet, so nothing can be said "
                "about agreement."
            )
        if not self.differences:
            return (
                f"The {len(compared)} sources with answers agree: their proportions of positive "
                f"answers are within {self.threshold} percentage points of each other."
            )
        pairs = "; ".join(
            f"{c.first.label.lower()} and {c.second.label.lower()} ({abs(c.difference)} points)"
            for c in self.differences
        )
        return (
            f"The sources differ by more than {self.threshold} percentage points between {pairs}."
        )


def _points(value: Fraction) -> int:
    return int((value * 100).__round__())


def _comparisons(sources: list[SourceResult], threshold: int) -> list[Comparison]:
    found = []
    compared = [s for s in sources if s.proportion is not None]
    for index, first in enumerate(compared):
        for second in compared[index + 1 :]:
            difference = first.proportion - second.proportion
            points = _points(difference)
            found.append(
                Comparison(
                    first=first,
                    second=second,
                    difference=points,
                    differs=abs(difference) * 100 > threshold,
                    sentence=compare_sentence(
                        subject="answers",
                        predicate="were positive",
                        first=Group(
                            f"in the {first.label.lower()}",
                            first.positive.numerator,
                            first.positive.denominator,
                        ),
                        second=Group(
                            f"in the {second.label.lower()}",
                            second.positive.numerator,
                            second.positive.denominator,
                        ),
                    ),
                )
            )
    return found


def _theme_counts(review: ThematicReview, qi_code: str | None) -> list[tuple[str, str, int]]:
    """Return (theme, source, answers tagged) for free-text answers to questions of the QI."""
    tags = ThemeTag.objects.filter(theme__review=review)
    if qi_code is not None:
        tags = tags.filter(answer__question__qis__code=qi_code)
    instruments = {}
    for source in SOURCES[1:]:
        version = getattr(review, source.instrument_field)
        if version is not None:
            instruments[version.instrument_id] = source.label
    counts: Counter = Counter()
    for name, instrument_id in tags.values_list(
        "theme__name", "answer__question__version__instrument_id"
    ):
        counts[(name, instruments.get(instrument_id, "Other"))] += 1
    return sorted(((n, s, c) for (n, s), c in counts.items()), key=lambda t: (-t[2], t[0], t[1]))


def _qi_or_none(data: ReviewData, code: str):
    return next((qi for qi in data.qis if qi.code == code), None)


def triangulation(
    *, review: ThematicReview, code: str, threshold: int | None = None
) -> Triangulation | None:
    """Return what each source says about one QI considered; None if the review does not
    consider it."""
    data = ReviewData(review)
    qi = _qi_or_none(data, code)
    if qi is None:
        return None
    threshold = difference_threshold() if threshold is None else threshold
    sources = [source_result(data, source, code) for source in SOURCES]
    areas = [
        AreaRow(
            area=area,
            reading=source_result(
                data,
                SOURCE_BY_KEY["reading"],
                code,
                area_id=area.area.pk,
                suffix=f"-a{area.number}",
            ),
            staff=source_result(
                data, SOURCE_BY_KEY["staff"], code, area_id=area.area.pk, suffix=f"-a{area.number}"
            ),
        )
        for area in data.areas
    ]
    return Triangulation(
        review=review,
        quality_indicator=qi,
        sources=sources,
        areas=areas,
        themes=_theme_counts(review, code),
        comparisons=_comparisons(sources, threshold),
        threshold=threshold,
    )


@dataclass
class QIHeadline:
    quality_indicator: Any
    sources: list[SourceResult]
    differences: int


def triangulation_index(*, review: ThematicReview) -> list[QIHeadline]:
    """Return one line per QI considered: each source's proportion positive."""
    data = ReviewData(review)
    threshold = difference_threshold()
    lines = []
    for qi in data.qis:
        sources = [source_result(data, source, qi.code) for source in SOURCES]
        differs = sum(1 for c in _comparisons(sources, threshold) if c.differs)
        lines.append(QIHeadline(quality_indicator=qi, sources=sources, differences=differs))
    return lines


# --- Method ------------------------------------------------------------------------------------


@dataclass
class StratumRow:
    stratum: str
    label: str
    population: int
    sample: int
    read: int


@dataclass
class AreaMethod:
    area: AreaData
    strata: list[StratumRow]
    read: int
    staff_responses: int
    staff_population: int | None

    @property
    def name(self) -> str:
        return self.area.name

    @property
    def staff_rate(self) -> str:
        if not self.staff_population:
            return "not known"
        return counts_words(min(self.staff_responses, self.staff_population), self.staff_population)


@dataclass
class Method:
    areas: list[AreaMethod]
    strata: list[StratumRow]  # across areas
    prison_responses: int
    interviews: int

    @property
    def population(self) -> int:
        return sum(a.area.population_size for a in self.areas)

    @property
    def sample(self) -> int:
        return sum(a.area.sample_size for a in self.areas)

    @property
    def read(self) -> int:
        return sum(a.read for a in self.areas)

    @property
    def staff_responses(self) -> int:
        return sum(a.staff_responses for a in self.areas)

    @property
    def staff_population(self) -> int:
        return sum(a.staff_population or 0 for a in self.areas)


def _strata(area: AreaData) -> list[StratumRow]:
    column = area.sample.stratify_by if area.sample else ""
    schema = area.area.activity.population_schema
    read = Counter(r.stratum for r in area.records)
    keys = sorted(set(area.sample_by_stratum) | set(area.population_by_stratum))
    return [
        StratumRow(
            stratum=key,
            label=stratum_name(key, schema, column),
            population=area.population_by_stratum.get(key, 0),
            sample=area.sample_by_stratum.get(key, 0),
            read=read.get(key, 0),
        )
        for key in keys
    ]


def method_from(data: ReviewData) -> Method:
    staff = Counter(u.area_id for u in data.units["staff"])
    areas = [
        AreaMethod(
            area=area,
            strata=_strata(area),
            read=len(area.records),
            staff_responses=staff.get(area.area.pk, 0),
            staff_population=area.area.staff_survey_population,
        )
        for area in data.areas
    ]
    totals: dict[str, StratumRow] = {}
    for area in areas:
        for row in area.strata:
            total = totals.setdefault(row.stratum, StratumRow(row.stratum, row.label, 0, 0, 0))
            total.population += row.population
            total.sample += row.sample
            total.read += row.read
    return Method(
        areas=areas,
        strata=[totals[k] for k in sorted(totals)],
        prison_responses=len(data.units["prison"]),
        interviews=len(data.units["interview"]),
    )


def review_method(*, review: ThematicReview) -> Method:
    """Return the review's numbers: areas, population, sample and records read per area and
    licence type, staff survey responses and rates, prison survey responses, interviews."""
    return method_from(ReviewData(review))


# --- Figures -----------------------------------------------------------------------------------


def _records_url(review: ThematicReview, code: str) -> str:
    return reverse(
        "throughcare:triangulation_records", kwargs={"pk": review.pk, "figure_code": code}
    )


def _figure(
    review: ThematicReview,
    row: Row,
    *,
    section: str,
    definition: str,
    words: str | None = None,
    with_records: bool,
) -> ComputedFigure:
    records = tuple((r.id, r.reference) for r in row.records) if with_records else ()
    return ComputedFigure(
        code=row.code,
        section=section,
        definition=definition,
        numerator=row.numerator,
        denominator=max(row.denominator, row.numerator),
        words=words or row.words,
        records=records,
        records_url=_records_url(review, row.code) if with_records else "",
    )


def _question_figures(
    review: ThematicReview, result: QuestionResult, section: str, where: str = ""
) -> list[ComputedFigure]:
    reading = result.source.key == "reading"
    text = result.question.text
    unit = result.source.unit
    figures = []
    if result.positive is not None:
        figures.append(
            _figure(
                review,
                result.positive,
                section=section,
                definition=(
                    f"{unit[:1].upper() + unit[1:]}{where} whose answer to “{text}” is "
                    f"{result.positive_label}, of those answered (not applicable and don’t know "
                    "left out)."
                ),
                words=result.sentence,
                with_records=reading,
            )
        )
    if not where:
        for row in result.rows:
            figures.append(
                _figure(
                    review,
                    row,
                    section=section,
                    definition=(
                        f"{unit[:1].upper() + unit[1:]} whose answer to “{text}” is "
                        f"“{row.label}”, of the {result.answered} answered."
                    ),
                    with_records=reading,
                )
            )
    return figures


def _qi_figures(data: ReviewData, qi) -> list[ComputedFigure]:
    review = data.review
    section = f"{qi.code} {qi.name}"
    figures: list[ComputedFigure] = []
    for source in SOURCES:
        result = source_result(data, source, qi.code)
        if result.positive is not None:
            figures.append(
                _figure(
                    review,
                    result.positive,
                    section=section,
                    definition=(
                        f"Positive answers from {source.unit} to the questions linked to QI "
                        f"{qi.code}, pooled, of the answers that count."
                    ),
                    words=result.sentence,
                    with_records=source.key == "reading",
                )
            )
        for question in result.questions:
            figures.extend(_question_figures(review, question, section))
        if source.key in ("reading", "staff"):
            for area in data.areas:
                per_area = source_result(
                    data, source, qi.code, area_id=area.area.pk, suffix=f"-a{area.number}"
                )
                if per_area.positive is not None:
                    figures.append(
                        _figure(
                            review,
                            per_area.positive,
                            section=section,
                            definition=(
                                f"Positive answers from {source.unit} in {area.name} to the "
                                f"questions linked to QI {qi.code}, pooled, of the answers "
                                "that count."
                            ),
                            words=per_area.sentence,
                            with_records=source.key == "reading",
                        )
                    )
                for question in per_area.questions:
                    figures.extend(
                        _question_figures(review, question, section, where=f" in {area.name}")
                    )
    return figures


def _count_figure(code: str, definition: str, numerator: int, denominator: int, words: str):
    return ComputedFigure(
        code=code,
        section=METHOD_SECTION,
        definition=definition,
        numerator=numerator,
        denominator=max(numerator, denominator),
        words=words,
    )


def _method_figures(data: ReviewData) -> list[ComputedFigure]:
    review = data.review
    method = method_from(data)
    n = len(method.areas)
    figures = [
        _count_figure(
            "M-areas",
            "Local authority areas taking part in the review.",
            n,
            n,
            f"{n} area{'s' if n != 1 else ''}: " + ", ".join(a.name for a in method.areas),
        ),
        _count_figure(
            "M-records",
            "Records read (sampled, first reading submitted) across all areas, of the records "
            "in the areas' populations.",
            method.read,
            method.population,
            f"{method.read:,} of {method.population:,} records",
        ),
    ]
    all_read = tuple((r.id, r.reference) for a in data.areas for r in a.records)
    figures[-1] = replace(
        figures[-1], records=all_read, records_url=_records_url(review, "M-records")
    )
    for index, stratum in enumerate(method.strata, 1):
        figures.append(
            _count_figure(
                f"M-type{index}",
                f"Records read with licence type “{stratum.label}” across all areas, of the "
                "records of that type in the populations.",
                stratum.read,
                stratum.population,
                f"{stratum.read:,} of {stratum.population:,} {stratum.label.lower()} records",
            )
        )
    for area in method.areas:
        a = area.area.number
        read_records = tuple((r.id, r.reference) for r in area.area.records)
        figures.append(
            ComputedFigure(
                code=f"M-read-a{a}",
                section=METHOD_SECTION,
                definition=(
                    f"Records read in {area.name} (sampled, first reading submitted), of the "
                    "records in its population."
                ),
                numerator=area.read,
                denominator=max(area.read, area.area.population_size),
                words=f"{area.read:,} of {area.area.population_size:,} records",
                records=read_records,
                records_url=_records_url(review, f"M-read-a{a}"),
            )
        )
        figures.append(
            _count_figure(
                f"M-sample-a{a}",
                f"Records in the sample drawn in {area.name}, of the records in its population.",
                area.area.sample_size,
                area.area.population_size,
                f"{area.area.sample_size:,} of {area.area.population_size:,} records",
            )
        )
        for index, stratum in enumerate(area.strata, 1):
            figures.append(
                _count_figure(
                    f"M-read-a{a}-s{index}",
                    f"Records read in {area.name} with licence type “{stratum.label}”, of the "
                    "records of that type in its population.",
                    stratum.read,
                    stratum.population,
                    f"{stratum.read:,} of {stratum.population:,} {stratum.label.lower()} records",
                )
            )
        if area.staff_population:
            words = f"{area.staff_responses:,} responses ({area.staff_rate})"
        else:
            words = f"{area.staff_responses:,} responses"
        figures.append(
            _count_figure(
                f"M-staff-a{a}",
                f"Staff survey responses from {area.name}, of the staff the survey went to "
                "(the response rate; the responses alone where that number is not recorded).",
                area.staff_responses,
                area.staff_population or area.staff_responses,
                words,
            )
        )
    figures += [
        _count_figure(
            "M-staff",
            "Staff survey responses across all areas, of the staff the survey went to.",
            method.staff_responses,
            method.staff_population or method.staff_responses,
            f"{method.staff_responses:,} staff survey responses",
        ),
        _count_figure(
            "M-prison",
            "Responses to the survey across the prison estate (online and on paper).",
            method.prison_responses,
            method.prison_responses,
            f"{method.prison_responses:,} prison survey responses",
        ),
        _count_figure(
            "M-interviews",
            "Interviews with people recalled to prison.",
            method.interviews,
            method.interviews,
            f"{method.interviews:,} interviews",
        ),
    ]
    return figures


def review_figures(*, review: ThematicReview) -> dict[str, list[ComputedFigure]]:
    """Every computed figure of a review, keyed by QI code plus "method"."""
    data = ReviewData(review)
    result = {qi.code: _qi_figures(data, qi) for qi in data.qis}
    result[METHOD] = _method_figures(data)
    return result


# --- The records behind a figure ---------------------------------------------------------------


@dataclass(frozen=True)
class FigureRecord:
    id: int
    reference: str
    area: str
    stratum: str
    reading_url: str | None


@dataclass(frozen=True)
class FigureRecords:
    figure: ComputedFigure
    records: list[FigureRecord]


def figure_records(*, review: ThematicReview, figure_code: str) -> FigureRecords | None:
    """Return a reading figure and the sampled records behind it; None if there is none."""
    data = ReviewData(review)
    wanted: ComputedFigure | None = None
    if figure_code.startswith("M-"):
        wanted = next((f for f in _method_figures(data) if f.code == figure_code), None)
    else:
        qi_code = figure_code.split("-", 1)[0]
        qi = _qi_or_none(data, qi_code)
        if qi is not None:
            wanted = next((f for f in _qi_figures(data, qi) if f.code == figure_code), None)
    if wanted is None or not wanted.records_url:
        return None
    by_id = {r.id: (area, r) for area in data.areas for r in area.records}
    rows = []
    for record_id, _ in wanted.records:
        area, record = by_id[record_id]
        column = area.sample.stratify_by if area.sample else ""
        rows.append(
            FigureRecord(
                id=record.id,
                reference=record.reference,
                area=area.name,
                stratum=stratum_name(record.stratum, area.area.activity.population_schema, column),
                reading_url=reverse(
                    "inspections:reading_update", kwargs={"pk": record.first_reading_id}
                )
                if record.first_reading_id
                else None,
            )
        )
    return FigureRecords(figure=wanted, records=rows)
