"""Reads for inspections: readings (queue, the record page, progress, history, access)."""

import copy
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import Prefetch, Q

from core.calendar import calendar_for
from core.models import AuditEvent
from inspections.models import Answer, Reading, Sample, SampleRecord, ScrutinyActivity
from inspections.services.readings import answer_display, reading_context
from qi_framework.derivations import derivation_describe
from qi_framework.instruments import instrument_evaluate
from qi_framework.models import (
    Illustration,
    IllustrationSet,
    InstrumentVersion,
    Question,
    Section,
)

__all__ = [
    "FieldState",
    "QuestionView",
    "field_state",
    "question_choices",
    "QueueRow",
    "ReadingPage",
    "SectionView",
    "reading_access",
    "reading_get",
    "reading_page_data",
    "reading_progress",
    "reading_queue_for",
    "readings_of_activity",
    "record_history",
]

Access = Literal["edit", "view"] | None


@dataclass(frozen=True)
class QuestionDetail:
    """What the record page shows of a question whatever the answers: read-only, shared."""

    qi_codes: list[str]
    choices: list[tuple[str, str]]
    derived_words: str


@dataclass(frozen=True)
class InstrumentStructure:
    """An instrument version's tool as the record page shows it: read-only, shared."""

    version: InstrumentVersion  # with its instrument and framework
    sections: tuple[Section, ...]
    questions: list[Question]  # in order, each with its QIs prefetched
    scale: dict[int, str]  # the framework's six-point scale, 6 first
    details: dict[int, QuestionDetail]  # by question id
    qi_codes: dict[int, str]  # the QIs the questions link to: id -> code


def _question_details(
    questions: list[Question], scale: dict[int, str]
) -> tuple[dict[int, QuestionDetail], dict[int, str]]:
    by_code = {q.code: q for q in questions}

    def quoted(code: str) -> str:
        return f"“{by_code[code].text}”" if code in by_code else f"“{code}”"

    details = {}
    qi_codes: dict[int, str] = {}
    for question in questions:
        qis = list(question.qis.all())
        qi_codes.update((qi.pk, qi.code) for qi in qis)
        details[question.pk] = QuestionDetail(
            qi_codes=[qi.code for qi in qis],
            choices=question_choices(question, scale),
            derived_words=(
                f"{derivation_describe(question.derived, quoted)}." if question.is_derived else ""
            ),
        )
    return details, qi_codes


# Published and retired instrument versions cannot change (qi_framework.instruments.services
# refuses any edit that is not to a draft), so their structure is read once per process. The
# key includes created_at so that a row id reused after a rolled-back transaction (SQLite in
# tests) can never be served another version's questions. Drafts are always read afresh.
_STRUCTURES: dict[tuple[int, dt.datetime], InstrumentStructure] = {}
_STRUCTURES_MAX = 64


def instrument_structure(*, version: InstrumentVersion) -> InstrumentStructure:
    """Return a version's sections, questions (with QIs) and scale; cached unless a draft."""
    key = (version.pk, version.created_at)
    cached = _STRUCTURES.get(key)
    if cached is not None:
        return cached
    fields = InstrumentVersion._meta
    if fields.get_field("instrument").is_cached(version) and fields.get_field(
        "framework"
    ).is_cached(version):
        version = copy.copy(version)
        version.__dict__.pop("_questions_cache", None)
    else:
        version = InstrumentVersion.objects.select_related("instrument", "framework").get(
            pk=version.pk
        )
    questions = list(
        Question.objects.filter(version_id=version.pk).order_by("position").prefetch_related("qis")
    )
    scale = {level.value: level.label for level in version.framework.scale.all()}
    details, qi_codes = _question_details(questions, scale)
    structure = InstrumentStructure(
        version=version,
        sections=tuple(Section.objects.filter(version_id=version.pk).order_by("position")),
        questions=questions,
        scale=scale,
        details=details,
        qi_codes=qi_codes,
    )
    if structure.version.status != InstrumentVersion.Status.DRAFT:
        if len(_STRUCTURES) >= _STRUCTURES_MAX:
            _STRUCTURES.clear()
        _STRUCTURES[key] = structure
    return structure


def _attach_structure(reading: Reading) -> None:
    """Give the reading its own copy of the cached version, questions already loaded."""
    version = reading.instrument_version
    if version.status == InstrumentVersion.Status.DRAFT:
        return
    structure = instrument_structure(version=version)
    own = copy.copy(structure.version)  # shares the read-only instrument and framework
    own._questions_cache = structure.questions  # what questions_of() reads
    reading.instrument_version = own


def reading_get(*, pk: int) -> Reading | None:
    """Return a reading with everything its pages need about the record (two queries).

    Two small joins rather than one of ten tables: PostgreSQL took longer to plan that one
    than to run both, and this runs on every record page and every autosave. A published
    version (with its instrument, framework and questions) comes from the process's cache.
    """
    reading = (
        Reading.objects.select_related("reader", "instrument_version", "sample_record__record")
        .filter(pk=pk)
        .order_by()
        .first()
    )
    if reading is None:
        return None
    sample_record = reading.sample_record
    sample_record.sample = (
        Sample.objects.select_related("activity__authority")
        .order_by()
        .get(pk=sample_record.sample_id)
    )
    _attach_structure(reading)
    return reading


def reading_access(*, user, reading: Reading) -> Access:
    """Return "edit" for the reader, "view" for the inspection team, None for anyone else.

    A person who reads the same record (double reading) cannot see the other reading until
    both are submitted, so the two readings stay independent.
    """
    activity = reading.sample_record.sample.activity
    if reading.reader_id == user.pk:
        return "edit" if user.has_perm("inspections.read_records", activity) else None
    if not user.has_perm("inspections.view_readings", activity):
        return None
    others = list(
        Reading.objects.filter(sample_record_id=reading.sample_record_id).values_list(
            "reader_id", "status"
        )
    )
    if any(reader == user.pk for reader, _ in others) and any(
        status != Reading.Status.SUBMITTED for _, status in others
    ):
        return None
    return "view"


def readings_of_activity(*, activity: ScrutinyActivity):
    return Reading.objects.filter(sample_record__sample__activity=activity)


@dataclass
class QueueRow:
    reading: Reading
    reference: str
    stratum: str
    status: str
    answered: int
    visible: int


def _typed_values(answers: list[Answer], questions: dict[int, Question]) -> dict[str, Any]:
    values = {}
    for answer in answers:
        question = questions.get(answer.question_id)
        if question is None or question.is_derived:
            continue
        answer.question = question
        if answer.value is not None:
            values[question.code] = answer.value
    return values


def reading_queue_for(*, user, activity: ScrutinyActivity) -> list[QueueRow]:
    """Return the person's readings in this activity with progress (five queries)."""
    readings = list(
        Reading.objects.filter(reader=user, sample_record__sample__activity=activity)
        .select_related("sample_record__record", "instrument_version")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.order_by()))
    )
    versions = {r.instrument_version_id: r.instrument_version for r in readings}
    questions = {
        q.pk: q
        for q in Question.objects.filter(version_id__in=versions).order_by("version", "position")
    }
    by_version: dict[int, list[Question]] = defaultdict(list)
    for question in questions.values():
        by_version[question.version_id].append(question)
    for version_id, version in versions.items():
        version._questions_cache = by_version[version_id]
    for reading in readings:  # one shared instance per version, so its questions load once
        reading.instrument_version = versions[reading.instrument_version_id]
    rows = []
    calendar = calendar_for() if readings else None  # one query, shared by every reading
    for reading in readings:
        values = _typed_values(list(reading.answers.all()), questions)
        evaluation = instrument_evaluate(
            reading.instrument_version, values, reading_context(reading), calendar=calendar
        )
        typed = [q for q in evaluation.visible if not q.is_derived]
        rows.append(
            QueueRow(
                reading=reading,
                reference=reading.sample_record.record.reference,
                stratum=reading.sample_record.stratum,
                status=reading.get_status_display(),
                answered=sum(1 for q in typed if q.code in evaluation.values),
                visible=len(typed),
            )
        )
    return rows


YES_NO_NA_CHOICES = [("yes", "Yes"), ("no", "No"), ("na", "Not applicable")]


def question_choices(question: Question, scale: dict[int, str]) -> list[tuple[str, str]]:
    """Return (value, label) pairs for a question answered by choosing."""
    if question.kind == Question.Kind.YES_NO_NA:
        return YES_NO_NA_CHOICES
    if question.kind == Question.Kind.RATING_6:
        return [(str(v), f"{v} – {scale.get(v, '')}".rstrip(" –")) for v in range(6, 0, -1)]
    if question.kind in Question.CHOICE_KINDS:
        return [(o["value"], o.get("label", o["value"])) for o in question.options]
    return []


@dataclass
class FieldState:
    """What a question's inputs show: the stored answer, or what was just typed."""

    text: str = ""
    chosen: tuple[str, ...] = ()
    day: str = ""
    month: str = ""
    year: str = ""


def field_state(question: Question, value: Any, posted=None, name: str | None = None) -> FieldState:
    name = name or question.code
    kind = question.kind
    if posted is not None:
        if kind == Question.Kind.DATE:
            return FieldState(
                day=posted.get(f"{name}-day", ""),
                month=posted.get(f"{name}-month", ""),
                year=posted.get(f"{name}-year", ""),
            )
        if kind == Question.Kind.MULTIPLE_CHOICE:
            return FieldState(chosen=tuple(posted.getlist(name)))
        text = posted.get(name, "")
        return FieldState(text=text, chosen=(text,))
    if value is None:
        return FieldState()
    if kind == Question.Kind.DATE:
        return FieldState(day=str(value.day), month=str(value.month), year=str(value.year))
    if kind == Question.Kind.MULTIPLE_CHOICE:
        return FieldState(chosen=tuple(value))
    if kind == Question.Kind.NUMBER:
        text = f"{value.normalize():f}"
        return FieldState(text=text, chosen=(text,))
    return FieldState(text=str(value), chosen=(str(value),))


@dataclass
class QuestionView:
    question: Question
    value: Any
    display: str
    version: int | None
    visible: bool
    derived_words: str = ""
    qi_codes: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    state: FieldState = field(default_factory=FieldState)
    error: str = ""

    @property
    def field_id(self) -> str:
        return f"q-{self.question.code}"

    @property
    def name(self) -> str:
        return self.question.code


@dataclass
class SectionView:
    section: Section
    number: int
    questions: list[QuestionView]
    illustrations: list[tuple[str, list]] = field(default_factory=list)

    @property
    def visible_questions(self) -> list[QuestionView]:
        return [q for q in self.questions if q.visible]

    @property
    def qi_codes(self) -> list[str]:
        return list(dict.fromkeys(c for q in self.questions for c in q.qi_codes))


@dataclass
class ReadingPage:
    reading: Reading
    sections: list[SectionView]
    illustrations: dict[str, list[tuple[IllustrationSet, list[Illustration]]]]
    scale: dict[int, str]
    answered: int
    visible: int
    missing: list[Question]


def reading_page_data(*, reading: Reading) -> ReadingPage:
    """Return the tool section by section with this reading's answers and versions.

    Two queries, whatever the size of the sample: the answers, and the illustrations for the
    QIs the questions link to. The tool itself (sections, questions, their QIs, the scale)
    comes from `instrument_structure`, read once per process for a published version.
    """
    version = reading.instrument_version
    structure = instrument_structure(version=version)
    questions = structure.questions
    version._questions_cache = questions
    by_id = {q.pk: q for q in questions}
    answers = {}
    for answer in Answer.objects.filter(reading=reading).order_by():
        answer.question = by_id[answer.question_id]
        answers[answer.question_id] = answer
    values = {
        by_id[qid].code: a.value
        for qid, a in answers.items()
        if not by_id[qid].is_derived and a.value is not None
    }
    evaluation = instrument_evaluate(version, values, reading_context(reading))
    visible = {q.code for q in evaluation.visible}
    scale = structure.scale
    per_section: dict[int, list[QuestionView]] = defaultdict(list)
    for question in questions:
        detail = structure.details[question.pk]
        answer = answers.get(question.pk)
        if question.is_derived:
            value = evaluation.derived.get(question.code)
        else:
            value = answer.value if answer is not None else None
        per_section[question.section_id].append(
            QuestionView(
                question=question,
                value=value,
                display=answer_display(question, value, scale),
                version=answer.version if answer is not None else None,
                visible=question.code in visible,
                derived_words=detail.derived_words,
                qi_codes=detail.qi_codes,
                choices=detail.choices,
                state=field_state(question, value),
            )
        )
    kind = reading.sample_record.sample.activity.scrutiny_kind
    sets: dict[int, IllustrationSet] = {}
    grouped: dict[str, dict[int, list[Illustration]]] = defaultdict(lambda: defaultdict(list))
    for illustration in (
        Illustration.objects.filter(
            quality_indicator_id__in=list(structure.qi_codes),
            illustration_set__framework_id=version.framework_id,
        )
        .filter(Q(illustration_set__scrutiny_kind=kind) | Q(illustration_set__scrutiny_kind=""))
        .select_related("illustration_set")
        .order_by("-level")
    ):
        sets.setdefault(illustration.illustration_set_id, illustration.illustration_set)
        code = structure.qi_codes[illustration.quality_indicator_id]
        grouped[code][illustration.illustration_set_id].append(illustration)
    ordered = sorted(
        sets.values(), key=lambda s: (s.scrutiny_kind != kind, s.name, s.scrutiny_kind, s.code)
    )
    illustrations = {
        code: [(s, groups[s.pk]) for s in ordered if s.pk in groups]
        for code, groups in grouped.items()
    }
    typed_visible = [q for q in evaluation.visible if not q.is_derived]
    section_views = [
        SectionView(section=s, number=i, questions=per_section[s.pk])
        for i, s in enumerate(structure.sections, start=1)
    ]
    for view in section_views:
        view.illustrations = [
            (code, illustrations[code]) for code in view.qi_codes if code in illustrations
        ]
    return ReadingPage(
        reading=reading,
        sections=section_views,
        illustrations=illustrations,
        scale=scale,
        answered=sum(1 for q in typed_visible if q.code in evaluation.values),
        visible=len(typed_visible),
        missing=evaluation.missing_required,
    )


@dataclass
class ProgressRow:
    label: str
    first_assigned: int = 0
    first_submitted: int = 0
    second_assigned: int = 0
    second_submitted: int = 0


def reading_progress(*, activity: ScrutinyActivity) -> dict[str, list[ProgressRow]]:
    """Return records read by reader and by stratum, first and second readings (one query)."""
    rows = Reading.objects.filter(sample_record__sample__activity=activity).values_list(
        "reader__name", "reader__email", "sample_record__stratum", "order", "status"
    )
    by_reader: dict[str, ProgressRow] = {}
    by_stratum: dict[str, ProgressRow] = {}
    total = ProgressRow("All records")
    for name, email, stratum, order, status in rows:
        for table, key in ((by_reader, name or email), (by_stratum, stratum or "No stratum")):
            row = table.setdefault(key, ProgressRow(key))
            for target in (row, total) if table is by_reader else (row,):
                prefix = "first" if order == Reading.Order.FIRST else "second"
                setattr(target, f"{prefix}_assigned", getattr(target, f"{prefix}_assigned") + 1)
                if status == Reading.Status.SUBMITTED:
                    setattr(
                        target, f"{prefix}_submitted", getattr(target, f"{prefix}_submitted") + 1
                    )
    return {
        "by_reader": sorted(by_reader.values(), key=lambda r: r.label),
        "by_stratum": sorted(by_stratum.values(), key=lambda r: r.label),
        "total": [total],
    }


@dataclass
class HistoryEntry:
    event: AuditEvent
    reading: Reading | None
    question: Question | None
    old: str
    new: str


def record_history(*, sample_record: SampleRecord) -> list[HistoryEntry]:
    """Return every change to a record's answers, submissions and moderation, oldest first."""
    readings = {
        r.pk: r
        for r in Reading.objects.filter(sample_record=sample_record).select_related(
            "reader", "instrument_version"
        )
    }
    answers = dict(Answer.objects.filter(reading_id__in=readings).values_list("pk", "reading_id"))
    moderated = list(sample_record.moderated_answers.values_list("pk", flat=True))
    events = AuditEvent.objects.filter(
        Q(object_type="inspections.answer", object_id__in=[str(pk) for pk in answers])
        | Q(object_type="inspections.reading", object_id__in=[str(pk) for pk in readings])
        | Q(object_type="inspections.moderatedanswer", object_id__in=[str(pk) for pk in moderated])
    ).order_by("occurred_at", "pk")
    version_ids = {r.instrument_version_id for r in readings.values()}
    questions = {
        (q.version_id, q.code): q for q in Question.objects.filter(version_id__in=version_ids)
    }
    entries = []
    for event in events:
        reading = None
        if event.object_type == "inspections.answer":
            reading = readings.get(answers.get(int(event.object_id)))
        elif event.object_type == "inspections.reading":
            reading = readings.get(int(event.object_id))
        question = None
        if event.detail and reading is not None:
            question = questions.get((reading.instrument_version_id, event.detail))
        elif event.detail and readings:
            any_version = next(iter(version_ids))
            question = questions.get((any_version, event.detail))
        entries.append(
            HistoryEntry(
                event,
                reading,
                question,
                _describe(event.old_value, question),
                _describe(event.new_value, question),
            )
        )
    return entries


def _describe(value: Any, question: Question | None) -> str:
    import datetime as dt
    from decimal import Decimal, InvalidOperation

    if isinstance(value, dict) and "value" in value:
        value = value["value"]
    if value is None or value == "" or value == []:
        return "Not answered" if question is not None else ""
    if question is None:
        return str(value)
    parsed = value
    if question.kind == Question.Kind.DATE:
        try:
            parsed = dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            parsed = value
    elif question.kind in (Question.Kind.NUMBER, Question.Kind.RATING_6):
        try:
            parsed = Decimal(str(value))
            if question.kind == Question.Kind.RATING_6:
                parsed = int(parsed)
        except (InvalidOperation, ValueError):
            parsed = value
    return answer_display(question, parsed)
