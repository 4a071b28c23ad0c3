"""The paper and spreadsheet fallback for record reading (re-exported by services.readings).

Export: one row per reading of each sampled record (a record not yet given a reader has one row
with the reader left blank), then one column per typed question. Row 1 holds the question
codes the import reads, row 2 the question text; choices carry drop-down lists.

Import (the lead inspector only): every cell is checked with the same validation as the record
page. It is all-or-nothing: with any error, or any cell that differs from an answer already in
the system (a conflict), nothing is stored and the report lists them; answers equal to stored
ones are fine. Imported answers belong to the row's reading; the change is recorded as made by
the person importing, so a reader whose page still shows the old answer is told of the
conflict rather than overwriting it.
"""

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from core.exceptions import ApplicationError
from core.uploads import ScannerUnavailable, UploadRejected, scanner_get, upload_check
from core.uploads.errors import INFECTED
from inspections.models import Answer, Reading, Sample, SampleRecord
from inspections.services.readings import (
    _answers_of,
    _derived_refresh,
    _values_equal,
    answer_display,
    answer_store,
)
from qi_framework.instruments import questions_of, validate_answer
from qi_framework.models import Question

FIXED_COLUMNS = ("reference", "stratum", "reader_email", "reading")
FIXED_LABELS = ("Record reference", "Stratum", "Reader's email address", "Reading (1 or 2)")
SHEET = "Readings"
MULTIPLE_SEPARATOR = ";"

IMPORT_NOT_XLSX = "The selected file must be an Excel spreadsheet (.xlsx) exported from here."
IMPORT_NO_SHEET = f"The spreadsheet has no sheet called “{SHEET}”. Use the exported file."
IMPORT_BAD_HEADER = (
    "Row 1 of the spreadsheet must hold the column codes of the exported file. Use the "
    "exported file and do not change its first two rows."
)
IMPORT_UNKNOWN_COLUMN = "Column “{code}” is not a question of the reading tool."
IMPORT_UNKNOWN_READING = "Row {row}: record {reference} has no reading by {email}."
IMPORT_SUBMITTED = "Row {row}: the reading of {reference} by {email} is submitted. Reopen it first."
IMPORT_CELL = "Row {row}, {question}: {message}"


@dataclass
class Conflict:
    row: int
    reference: str
    question: str
    in_system: str
    in_file: str


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    saved: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.conflicts


def _instrument_questions(sample: Sample) -> list[Question]:
    version = sample.activity.reading_instrument
    if version is None:
        raise ApplicationError("This inspection has no reading tool.")
    return [q for q in questions_of(version) if not q.is_derived]


def _cell(question: Question, value):
    if value is None:
        return None
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return MULTIPLE_SEPARATOR.join(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    return value


def readings_export_xlsx(*, sample: Sample) -> bytes:
    """Return the reading tool as a spreadsheet, answers so far filled in."""
    questions = _instrument_questions(sample)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append([*FIXED_COLUMNS, *(q.code for q in questions)])
    sheet.append([*FIXED_LABELS, *(q.text for q in questions)])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "E3"
    records = list(
        SampleRecord.objects.filter(
            sample=sample, role=SampleRecord.Role.SAMPLED, status=SampleRecord.Status.ACTIVE
        ).select_related("record")
    )
    readings: dict[int, list[Reading]] = {}
    for reading in Reading.objects.filter(sample_record__sample=sample).select_related("reader"):
        readings.setdefault(reading.sample_record_id, []).append(reading)
    by_id = {q.pk: q for q in questions}
    answers: dict[int, dict[int, Answer]] = {}
    for answer in Answer.objects.filter(
        reading__sample_record__sample=sample, question_id__in=by_id
    ):
        answer.question = by_id[answer.question_id]
        answers.setdefault(answer.reading_id, {})[answer.question_id] = answer
    for record in records:
        for reading in sorted(readings.get(record.pk, []), key=lambda r: r.order) or [None]:
            row = [
                record.record.reference,
                record.stratum,
                reading.reader.email if reading else "",
                reading.order if reading else 1,
            ]
            given = answers.get(reading.pk, {}) if reading else {}
            for question in questions:
                answer = given.get(question.pk)
                row.append(_cell(question, answer.value if answer else None))
            sheet.append(row)
    last = max(sheet.max_row, 3) + 500
    for index, question in enumerate(questions, start=len(FIXED_COLUMNS) + 1):
        letter = sheet.cell(row=1, column=index).column_letter
        cells = f"{letter}3:{letter}{last}"
        if question.kind == Question.Kind.YES_NO_NA:
            validation = DataValidation(type="list", formula1='"yes,no,na"', allow_blank=True)
        elif question.kind == Question.Kind.SINGLE_CHOICE:
            listed = ",".join(o["value"] for o in question.options)
            if len(listed) > 250:
                continue
            validation = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
        elif question.kind == Question.Kind.RATING_6:
            validation = DataValidation(
                type="whole", operator="between", formula1="1", formula2="6", allow_blank=True
            )
        else:
            continue
        validation.error = "Choose from the list."
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
        validation.add(cells)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _raw(question: Question, cell):
    if cell is None:
        return ""
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return [part.strip() for part in str(cell).split(MULTIPLE_SEPARATOR) if part.strip()]
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell


def readings_import_xlsx(*, sample: Sample, file, by, request=None) -> ImportReport:
    """Check a completed spreadsheet and store its answers, all or nothing (module docstring)."""
    from inspections.rules import activity_of

    if not by.has_perm("inspections.moderate", activity_of(sample)):
        raise ApplicationError("Only the lead inspector can import readings.")
    check = upload_check(file=file, policy="import")
    if str(check.detection.kind) != "xlsx":
        raise UploadRejected(IMPORT_NOT_XLSX, code="not_allowed")
    try:
        clean = scanner_get().scan(file).clean
    except ScannerUnavailable:
        clean = True  # the file is read, never stored or served; content checks have passed
    if not clean:
        raise UploadRejected(INFECTED, code="infected")
    file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ApplicationError(IMPORT_NOT_XLSX) from error
    if SHEET not in workbook.sheetnames:
        raise ApplicationError(IMPORT_NO_SHEET)
    rows = list(workbook[SHEET].iter_rows(values_only=True))
    report = ImportReport()
    if not rows or tuple(rows[0][: len(FIXED_COLUMNS)]) != FIXED_COLUMNS:
        raise ApplicationError(IMPORT_BAD_HEADER)
    questions = {q.code: q for q in _instrument_questions(sample)}
    columns = []
    for code in rows[0][len(FIXED_COLUMNS) :]:
        if code is None:
            columns.append(None)
            continue
        if code not in questions:
            report.errors.append(IMPORT_UNKNOWN_COLUMN.format(code=code))
        columns.append(questions.get(code))
    if report.errors:
        return report
    readings = {
        (r.sample_record.record.reference, r.reader.email.lower()): r
        for r in Reading.objects.filter(sample_record__sample=sample).select_related(
            "reader", "sample_record__record", "sample_record__sample", "instrument_version"
        )
    }
    planned: list[tuple[Reading, Question, object]] = []
    stored_cache: dict[int, dict[str, Answer]] = {}
    for number, row in enumerate(rows[2:], start=3):
        if not row or all(v in (None, "") for v in row):
            continue
        reference = str(row[0] or "").strip()
        email = str(row[2] or "").strip().lower()
        cells = row[len(FIXED_COLUMNS) :]
        if all(v in (None, "") for v in cells):
            continue  # a row with no answers, such as a record not yet read
        reading = readings.get((reference, email))
        if reading is None:
            report.errors.append(
                IMPORT_UNKNOWN_READING.format(row=number, reference=reference, email=email)
            )
            continue
        if reading.status == Reading.Status.SUBMITTED:
            report.errors.append(
                IMPORT_SUBMITTED.format(row=number, reference=reference, email=email)
            )
            continue
        stored = stored_cache.setdefault(reading.pk, _answers_of(reading))
        for question, cell in zip(columns, cells, strict=False):
            if question is None or cell in (None, ""):
                continue
            checked = validate_answer(question, _raw(question, cell))
            if checked.error:
                report.errors.append(
                    IMPORT_CELL.format(row=number, question=question.code, message=checked.error)
                )
                continue
            existing = stored.get(question.code)
            if existing is not None and existing.value is not None:
                if _values_equal(existing.value, checked.value):
                    continue
                report.conflicts.append(
                    Conflict(
                        row=number,
                        reference=reference,
                        question=question.text,
                        in_system=answer_display(question, existing.value),
                        in_file=answer_display(question, checked.value),
                    )
                )
                continue
            planned.append((reading, question, checked.value))
    if not report.ok:
        return report
    with transaction.atomic():
        touched: dict[int, Reading] = {}
        for reading, question, value in planned:
            current = stored_cache[reading.pk].get(question.code)
            result = answer_store(
                reading=reading,
                question=question,
                value=value,
                based_on_version=current.version if current else None,
                by=by,
                request=request,
                detail=question.code,
            )
            if not result.ok:  # changed by someone while the file was checked
                transaction.set_rollback(True)
                report.conflicts.append(
                    Conflict(
                        row=0,
                        reference=reading.sample_record.record.reference,
                        question=question.text,
                        in_system=answer_display(question, result.theirs),
                        in_file=answer_display(question, value),
                    )
                )
                return report
            touched[reading.pk] = reading
            report.saved += 1
        for reading in touched.values():
            _derived_refresh(reading, _answers_of(reading), by)
    return report
