"""Writes for inspections: reading records (answers, versions, submission, paper fallback).

Answers are versioned one by one (`Answer.version`). A save names the version it was based on
and carries a client save ID (a UUID the page makes once per change and reuses on retries):

- the same client save ID twice stores the change once (an `AnswerSave` receipt);
- a save based on an older version is accepted when the last change was the same person's
  (their own quick successive saves), and refused with both values when someone else changed
  the answer since, so nothing is lost and nothing is overwritten unseen.

Derived answers (worked out from other answers or from the population record) are stored as
Answer rows too, recomputed after every save, so statistics read one table. They are not
audited one by one: the typed answers they come from are.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.services import audit_record
from inspections.models import Answer, AnswerSave, Reading
from qi_framework.derivations import CONTEXT_KEYS
from qi_framework.instruments import instrument_evaluate, questions_of, validate_answer
from qi_framework.models import Question

__all__ = [
    "NOT_YOUR_READING",
    "QUESTION_NOT_IN_TOOL",
    "READING_SUBMITTED",
    "REOPEN_LEAD_ONLY",
    "REOPEN_NOT_SUBMITTED",
    "REOPEN_REASON_REQUIRED",
    "SAVE_CONFLICT",
    "SUBMIT_MISSING",
    "SaveResult",
    "answer_display",
    "answer_save",
    "answer_store",
    "reading_context",
    "readings_export_xlsx",
    "readings_import_xlsx",
    "reading_reopen",
    "reading_start",
    "reading_submit",
    "value_to_json",
]

NOT_YOUR_READING = "Only the person reading this record can change its answers."
READING_SUBMITTED = (
    "This reading has been submitted, so its answers cannot be changed. Ask the lead inspector "
    "to reopen it first."
)
QUESTION_NOT_IN_TOOL = "This question is not part of the reading tool for this record."
SAVE_CONFLICT = (
    "{person} changed this answer after you opened the page. Their answer: {theirs}. "
    "Your answer: {yours}. Choose which to keep."
)
SUBMIT_MISSING = "Answer every required question before you submit the reading."
REOPEN_LEAD_ONLY = "Only the lead inspector can reopen a submitted reading."
REOPEN_NOT_SUBMITTED = "This reading has not been submitted, so there is nothing to reopen."
REOPEN_REASON_REQUIRED = "Enter why the reading is being reopened."

NOT_ANSWERED = "Not answered"


@dataclass(frozen=True)
class SaveResult:
    """What happened to one save; `value` is the stored value, or on refusal the person's own."""

    status: Literal["saved", "conflict", "invalid"]
    question: Question
    value: Any
    version: int | None
    message: str | None = None
    theirs: Any = None  # on conflict: the value someone else stored
    replayed: bool = False  # a retry of a save already stored
    visible: frozenset[str] = frozenset()  # question codes shown after this save
    derived: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "saved"


def value_to_json(value: Any) -> Any:
    """Return a parsed answer as JSON: dates as ISO text, numbers as text, lists as lists."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return value


def answer_display(question: Question, value: Any, scale: dict[int, str] | None = None) -> str:
    """Return an answer as a person reads it: option labels, dates as 26 November 2026."""
    if value is None or value == "" or value == []:
        return NOT_ANSWERED
    kind = question.kind
    if kind == Question.Kind.YES_NO_NA:
        return {"yes": "Yes", "no": "No", "na": "Not applicable"}.get(value, str(value))
    if kind == Question.Kind.SINGLE_CHOICE:
        return question.option_label(value)
    if kind == Question.Kind.MULTIPLE_CHOICE:
        return ", ".join(question.option_label(v) for v in value)
    if kind == Question.Kind.DATE and isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    if kind == Question.Kind.NUMBER and isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if kind == Question.Kind.RATING_6:
        levels = scale if scale is not None else _scale_of(question)
        return f"{value} ({levels[int(value)].lower()})" if int(value) in levels else str(value)
    return str(value)


def _scale_of(question: Question) -> dict[int, str]:
    from qi_framework.models import ScaleLevel

    return dict(
        ScaleLevel.objects.filter(framework__instrument_versions=question.version_id).values_list(
            "value", "label"
        )
    )


def reading_context(reading: Reading) -> dict[str, Any]:
    """Return the population record's facts that derived questions may use."""
    data = reading.sample_record.record.data or {}
    return {key: data.get(key) for key in CONTEXT_KEYS if data.get(key) not in (None, "")}


def _values_equal(a: Any, b: Any) -> bool:
    return value_to_json(a) == value_to_json(b)


def _sample_lock(sample, by=None) -> None:
    """Lock the sample once reading has begun (the samples area's service when present)."""
    try:
        from inspections.services.samples import sample_lock_if_needed
    except ImportError:
        sample_lock_if_needed = None
    if sample_lock_if_needed is not None:
        sample_lock_if_needed(sample, by=by)
        return
    if sample.locked_at is None:
        sample.locked_at = timezone.now()
        sample.save(update_fields=["locked_at", "updated_at"])


def _answers_of(reading: Reading) -> dict[str, Answer]:
    questions = {q.pk: q for q in questions_of(reading.instrument_version)}
    answers = {}
    for answer in Answer.objects.filter(reading=reading).order_by():
        answer.question = questions.get(answer.question_id) or answer.question
        # The caller's reading (its record and sample loaded once): saving a derived answer
        # then needs no query to name the record or find the activity whose summary it bumps.
        answer.reading = reading
        answers[answer.question.code] = answer
    return answers


def _derived_refresh(reading: Reading, answers: dict[str, Answer], by):
    """Recompute derived answers from the typed ones and store those that changed."""
    typed = {code: a.value for code, a in answers.items() if not a.question.is_derived}
    evaluation = instrument_evaluate(reading.instrument_version, typed, reading_context(reading))
    for question in questions_of(reading.instrument_version):
        if not question.is_derived:
            continue
        new = evaluation.derived.get(question.code)
        stored = answers.get(question.code)
        if stored is None:
            if new is None:
                continue
            stored = Answer(reading=reading, question=question, version=0, updated_by=by)
        elif _values_equal(stored.value, new):
            continue
        stored.set_value(question, new)
        stored.version += 1
        stored.updated_by = by
        stored.save()
        answers[question.code] = stored
    return evaluation


def reading_start(*, reading: Reading, by) -> Reading:
    """Begin a reading: lock the sample and store the answers the population record gives."""
    with transaction.atomic():
        _sample_lock(reading.sample_record.sample, by)
        if not Answer.objects.filter(reading=reading).exists():
            _derived_refresh(reading, {}, by)
            audit_record(action="reading_started", actor=by, obj=reading)
    return reading


def _lock_answer(reading: Reading, question: Question, by) -> Answer:
    """Return the answer row locked for update, creating an empty one (version 0) if none."""
    answer = Answer.objects.select_for_update().filter(reading=reading, question=question).first()
    if answer is not None:
        return answer
    try:
        with transaction.atomic():
            return Answer.objects.create(
                reading=reading, question=question, version=0, updated_by=by
            )
    except IntegrityError:  # another request created it first: wait for it and lock it
        return Answer.objects.select_for_update().get(reading=reading, question=question)


def _replay(receipt: AnswerSave, question: Question) -> SaveResult:
    answer = receipt.answer
    answer.question = question
    return SaveResult("saved", question, answer.value, receipt.version, replayed=True)


def answer_store(
    *,
    reading: Reading,
    question: Question,
    value: Any,
    based_on_version: int | None,
    by,
    client_save_id: uuid.UUID | None = None,
    request=None,
    detail: str = "",
    receipt_checked: bool = False,
) -> SaveResult:
    """Store a parsed value under the versioning rules; the caller holds a transaction.

    `receipt_checked` says the caller already looked for this client save ID's receipt while
    holding the reading's row lock, so no retry can have stored it since.
    """
    answer = _lock_answer(reading, question, by)
    answer.question = question
    # The caller's reading (with its record, loaded once): the audit entry's label names the
    # record, which would otherwise cost three more queries on every save.
    answer.reading = reading
    if client_save_id is not None and not receipt_checked:
        receipt = AnswerSave.objects.filter(client_save_id=client_save_id).first()
        if receipt is not None:  # a retry that raced the first attempt
            return _replay(receipt, question)
    is_new = answer.version == 0
    if is_new and value is None:  # clearing an answer never given: store nothing
        answer.delete()
        return SaveResult("saved", question, None, None)
    if (
        not is_new
        and based_on_version != answer.version
        and answer.updated_by_id != by.pk
        and not _values_equal(answer.value, value)
    ):
        theirs = answer.value
        person = answer.updated_by.name or answer.updated_by.email
        return SaveResult(
            "conflict",
            question,
            value,
            answer.version,
            message=SAVE_CONFLICT.format(
                person=person,
                theirs=answer_display(question, theirs),
                yours=answer_display(question, value),
            ),
            theirs=theirs,
        )
    old = None if is_new else answer.value
    if is_new or not _values_equal(old, value):
        answer.set_value(question, value)
        answer.version += 1
        answer.updated_by = by
        answer.save()
        audit_record(
            action="answer_changed",
            actor=by,
            obj=answer,
            old=value_to_json(old),
            new=value_to_json(value),
            request=request,
            detail=detail or question.code,
        )
    if client_save_id is not None:
        AnswerSave.objects.create(
            client_save_id=client_save_id, answer=answer, version=answer.version
        )
    return SaveResult("saved", question, answer.value, answer.version)


def _question_of(reading: Reading, question: "Question | str") -> Question:
    code = question if isinstance(question, str) else question.code
    for candidate in questions_of(reading.instrument_version):
        if candidate.code == code and (isinstance(question, str) or candidate.pk == question.pk):
            return candidate
    raise ApplicationError(QUESTION_NOT_IN_TOOL)


def answer_save(
    *,
    reading: Reading,
    question: "Question | str",
    raw_value: Any,
    based_on_version: int | None,
    client_save_id: uuid.UUID,
    by,
    request=None,
) -> SaveResult:
    """Validate and store one answer as the reader types it (see the module docstring).

    Raise ApplicationError when the person is not the reader or the reading is submitted;
    return an "invalid" result for a value the question does not accept, and a "conflict"
    result carrying both values when someone else changed the answer since.
    """
    if reading.reader_id != by.pk:
        raise ApplicationError(NOT_YOUR_READING)
    question = _question_of(reading, question)
    with transaction.atomic():
        # Every save to this reading takes its row lock first, so one look for this save's
        # receipt under the lock finds a retry however it raced the first attempt.
        locked = Reading.objects.select_for_update().get(pk=reading.pk)
        receipt = (
            AnswerSave.objects.select_related("answer")
            .filter(client_save_id=client_save_id)
            .order_by()
            .first()
        )
        if receipt is not None:
            return _replay(receipt, question)
        check = validate_answer(question, raw_value)
        if check.error:
            return SaveResult("invalid", question, raw_value, None, message=check.error)
        if locked.status == Reading.Status.SUBMITTED:
            raise ApplicationError(READING_SUBMITTED)
        _sample_lock(reading.sample_record.sample, by)
        result = answer_store(
            reading=reading,
            question=question,
            value=check.value,
            based_on_version=based_on_version,
            by=by,
            client_save_id=client_save_id,
            request=request,
            receipt_checked=True,
        )
        if not result.ok or result.replayed:
            return result
        evaluation = _derived_refresh(reading, _answers_of(reading), by)
    return SaveResult(
        result.status,
        question,
        result.value,
        result.version,
        visible=frozenset(q.code for q in evaluation.visible),
        derived=dict(evaluation.derived),
    )


def reading_submit(*, reading: Reading, by, request=None) -> Reading:
    """Mark a reading submitted; refuse, listing them, while required questions are missing."""
    if reading.reader_id != by.pk:
        raise ApplicationError(NOT_YOUR_READING)
    with transaction.atomic():
        reading = Reading.objects.select_for_update().get(pk=reading.pk)
        if reading.status == Reading.Status.SUBMITTED:
            return reading
        answers = _answers_of(reading)
        evaluation = _derived_refresh(reading, answers, by)
        missing = evaluation.missing_required
        if missing:
            raise ApplicationError(
                SUBMIT_MISSING, extra={"missing": [(q.code, q.text) for q in missing]}
            )
        reading.status = Reading.Status.SUBMITTED
        reading.submitted_at = timezone.now()
        reading.save(update_fields=["status", "submitted_at", "updated_at"])
        audit_record(
            action="reading_submitted",
            actor=by,
            obj=reading,
            old=Reading.Status.IN_PROGRESS,
            new=Reading.Status.SUBMITTED,
            request=request,
        )
    return reading


def reading_reopen(*, reading: Reading, reason: str, by, request=None) -> Reading:
    """Reopen a submitted reading so its reader can change it (the lead inspector only)."""
    from inspections.rules import activity_of

    if not by.has_perm("inspections.moderate", activity_of(reading)):
        raise ApplicationError(REOPEN_LEAD_ONLY)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(REOPEN_REASON_REQUIRED)
    with transaction.atomic():
        reading = Reading.objects.select_for_update().get(pk=reading.pk)
        if reading.status != Reading.Status.SUBMITTED:
            raise ApplicationError(REOPEN_NOT_SUBMITTED)
        reading.status = Reading.Status.IN_PROGRESS
        reading.submitted_at = None
        reading.save(update_fields=["status", "submitted_at", "updated_at"])
        audit_record(
            action="reading_reopened",
            actor=by,
            obj=reading,
            old=Reading.Status.SUBMITTED,
            new=Reading.Status.IN_PROGRESS,
            request=request,
            detail=reason,
        )
    return reading


# The spreadsheet fallback lives in its own module; it uses the functions above.
from inspections.services.readings_xlsx import (  # noqa: E402
    readings_export_xlsx,
    readings_import_xlsx,
)
