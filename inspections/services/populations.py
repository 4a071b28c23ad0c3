"""Writes for inspections: populations (the records in scope, imported all-or-nothing).

`population_parse` reads a CSV or XLSX file against a population schema and returns either the
normalised rows or every problem found (row, column, message), never just the first.
`population_import` parses an uploaded StoredFile and replaces the activity's population in one
transaction, until a sample is drawn.

Choices where the issue was silent:
- Unknown columns are refused (not ignored): a column outside the template is where names or
  addresses slip in, and the template gives the exact headers.
- Orders outside the inspection period (ended before it starts, or made after it ends) are
  errors, so the population holds only records in scope.
- A file that fails is not kept: its StoredFile and bytes are deleted (it may hold personal data
  such as a CHI number), and an audit entry records the refusal and the number of problems.
"""

import codecs
import csv
import datetime as dt
import hashlib
import io
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import StoredFile
from core.services import audit_record
from inspections.models import Population, PopulationRecord, Sample, ScrutinyActivity
from inspections.population_schemas import (
    ColumnType,
    PopulationSchema,
    RowContext,
    get_schema,
    header_key,
)

logger = logging.getLogger(__name__)

__all__ = [
    "PERSONAL_IDENTIFIER_HEADERS",
    "PopulationParse",
    "RowError",
    "is_chi_number",
    "population_import",
    "population_parse",
]

# Headers that name a personal identifier; compared after header_key (lower case, spaces).
PERSONAL_IDENTIFIER_HEADERS = frozenset(
    {
        "name",
        "full name",
        "surname",
        "last name",
        "family name",
        "forename",
        "forenames",
        "first name",
        "given name",
        "date of birth",
        "dob",
        "d.o.b.",
        "d.o.b",
        "birth date",
        "address",
        "home address",
        "postcode",
        "post code",
        "chi",
        "chi number",
        "chi no",
        "chi no.",
    }
)

IMPORT_BATCH = 5000
MAX_ERRORS_SHOWN = 200
# Separators between several requirements in one cell.
MULTI_SEPARATORS = re.compile(r"[;|]")

# Messages people read: say what is wrong and what to do.
UNREADABLE = (
    "The file could not be read. Save it as ‘CSV UTF-8’ or as an Excel workbook (.xlsx) and "
    "upload it again."
)
NO_HEADER = "The file has no header row. Use the template and keep its header row."
NO_ROWS = (
    "The file has a header row but no records. Add one row for each order and upload it again."
)
PERSONAL_HEADER = (
    "The column ‘{header}’ is a personal identifier. Remove the column: only pseudonymised "
    "references may be uploaded."
)
UNKNOWN_HEADER = (
    "The column ‘{header}’ is not in the template. Remove it or rename it to one of: {allowed}."
)
DUPLICATE_HEADER = "The column ‘{header}’ appears more than once. Keep one of them."
MISSING_COLUMN = "The file has no ‘{label}’ column. Add it (see the template)."
CHI_VALUE = (
    "This cell looks like a CHI number. Remove it: only pseudonymised references may be uploaded."
)
REQUIRED = "Enter the {label}."
TOO_LONG = "The {label} must be {max_length} characters or fewer."
DATE_INVALID = "The {label} is not a date. Write it as 31/12/2018 or 2018-12-31."
INTEGER_INVALID = "The {label} must be a whole number."
INTEGER_RANGE = "The {label} must be between {minimum} and {maximum}."
CHOICE_UNKNOWN = "‘{value}’ is not a recognised {label}. Use one of: {allowed}."
MULTI_UNKNOWN = "‘{value}’ is not a recognised requirement. Use: {allowed}."
DUPLICATE_REFERENCE = "The reference {reference} is also on row {first}. Each order appears once."
TOO_MANY_PROBLEMS = "There are {total:,} problems in the file. The first {shown:,} are listed."
PROBLEMS = "There {verb} {total:,} {noun} in the file."
SAMPLE_DRAWN = (
    "The sample has already been drawn from this population, so it cannot be replaced. "
    "Ask the lead inspector if the population was wrong."
)
FILE_REFUSED = "The file was refused by the virus check and cannot be imported."
IMPORT_FAILED = "The file was not imported. Fix the problems listed and upload it again."


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str  # the column's label ("" for the whole file)
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "File"
        return f"{where}{', ' + self.column if self.column else ''}: {self.message}"


@dataclass
class PopulationParse:
    rows: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- CHI numbers -----------------------------------------------------------------------------


def is_chi_number(value: object) -> bool:
    """Return whether `value` is ten digits (spaces allowed) starting with a real DDMMYY date."""
    text = str(value)
    if len(text) < 10 or not text[0].isdigit():  # fast path: most cells are words or short
        return False
    text = re.sub(r"\s+", "", text)
    if len(text) != 10 or not text.isascii() or not text.isdigit():
        return False
    day, month, year = int(text[0:2]), int(text[2:4]), int(text[4:6])
    for century in (1900, 2000):
        try:
            dt.date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


# --- Reading files ---------------------------------------------------------------------------


def _decode(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    # Control characters other than tab and line ends mean this is not text at all.
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        return None
    return text


def _csv_rows(data: bytes) -> Iterator[list[Any]] | None:
    text = _decode(data)
    if text is None:
        return None
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first_line.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(data: bytes) -> Iterator[list[Any]] | None:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error for a damaged workbook
        logger.info("Population workbook could not be opened", exc_info=True)
        return None
    sheet = workbook.worksheets[0]

    def rows():
        try:
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
        finally:
            workbook.close()

    return rows()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _parse_date(text: str) -> dt.date | None:
    # Fast paths for the two usual forms (strptime is slow over 100,000 rows).
    match = _DMY.fullmatch(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# --- Parsing ---------------------------------------------------------------------------------


def _label_lower(label: str) -> str:
    return label[0].lower() + label[1:]


def population_parse(
    *,
    data: bytes,
    kind: str,
    schema: PopulationSchema,
    context: RowContext | None = None,
) -> PopulationParse:
    """Read a population file (kind "csv" or "xlsx") and check every row against `schema`.

    Returns the rows as (row number, reference, normalised data), or every problem found.
    Personal identifiers are refused by header and by value (CHI numbers), naming the row and
    column but never repeating the value.
    """
    context = context or RowContext(today=timezone.localdate())
    result = PopulationParse()
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    if rows is None:
        result.errors.append(RowError(0, "", UNREADABLE))
        return result
    try:
        header = next(rows, None)
        while header is not None and not any(_cell_text(v) for v in header):
            header = next(rows, None)
        if header is None:
            result.errors.append(RowError(0, "", NO_HEADER))
            return result
        _parse_rows(header, rows, schema, context, result)
    except (csv.Error, ValueError, KeyError, OSError):
        logger.info("Population file could not be read", exc_info=True)
        result.rows.clear()
        result.errors.append(RowError(0, "", UNREADABLE))
    return result


def _parse_rows(header, rows: Iterable, schema, context, result: PopulationParse) -> None:
    by_header: dict[str, Any] = {}
    for column in schema.columns:
        for key in column.headers():
            by_header[key] = column
    positions: list[tuple[int, Any]] = []
    seen: set[str] = set()
    header_errors: list[RowError] = []
    for index, raw in enumerate(header):
        text = _cell_text(raw)
        key = header_key(text)
        if not key:
            continue
        if key in PERSONAL_IDENTIFIER_HEADERS or key.replace(" ", "") in {"dob", "chino"}:
            header_errors.append(RowError(1, text, PERSONAL_HEADER.format(header=text)))
            continue
        column = by_header.get(key)
        if column is None:
            allowed = ", ".join(c.label for c in schema.columns)
            header_errors.append(
                RowError(1, text, UNKNOWN_HEADER.format(header=text, allowed=allowed))
            )
            continue
        if column.name in seen:
            header_errors.append(RowError(1, text, DUPLICATE_HEADER.format(header=text)))
            continue
        seen.add(column.name)
        positions.append((index, column))
    for column in schema.columns:
        if column.required and column.name not in seen:
            header_errors.append(
                RowError(1, column.label, MISSING_COLUMN.format(label=column.label))
            )
    result.errors.extend(header_errors)

    lookups = {c.name: c.choice_lookup() for c in schema.columns if c.choices}
    allowed_labels = {
        c.name: ", ".join(choice.label for choice in c.choices) for c in schema.columns
    }
    first_row_of: dict[str, int] = {}
    labels = {c.name: c.label for c in schema.columns}
    errors = result.errors
    any_rows = False
    for row_number, raw_row in enumerate(rows, start=2):
        cells = [_cell_text(v) for v in raw_row]
        if not any(cells):
            continue
        any_rows = True
        row_errors: list[RowError] = []
        # Personal identifiers first, in every cell, whatever its column.
        for index, text in enumerate(cells):
            if text and is_chi_number(text):
                label = next(
                    (c.label for i, c in positions if i == index),
                    _cell_text(header[index]) if index < len(header) else f"column {index + 1}",
                )
                row_errors.append(RowError(row_number, label, CHI_VALUE))
        chi_columns = {e.column for e in row_errors}
        data: dict[str, Any] = {}
        for index, column in positions:
            text = cells[index] if index < len(cells) else ""
            if column.label in chi_columns:
                data[column.name] = None
                continue
            value, message = _convert(column, text, lookups.get(column.name), allowed_labels)
            if message:
                row_errors.append(RowError(row_number, column.label, message))
            data[column.name] = value
        reference = data.get("reference") or ""
        if reference:
            first = first_row_of.setdefault(reference, row_number)
            if first != row_number:
                row_errors.append(
                    RowError(
                        row_number,
                        labels["reference"],
                        DUPLICATE_REFERENCE.format(reference=reference, first=first),
                    )
                )
        if not row_errors and schema.row_check is not None:
            row_errors.extend(
                RowError(row_number, labels[name], message)
                for name, message in schema.row_check(data, context)
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        if errors:
            continue  # the file fails anyway: keep checking, stop collecting rows
        if schema.derive is not None:
            data = schema.derive(data)
        stored = {
            name: (value.isoformat() if isinstance(value, dt.date) else value)
            for name, value in data.items()
            if name != "reference"
        }
        result.rows.append((row_number, reference, stored))
    if not any_rows and not header_errors:
        errors.append(RowError(0, "", NO_ROWS))
    if errors:
        result.rows.clear()


def _convert(column, text: str, lookup, allowed_labels) -> tuple[Any, str]:
    label = _label_lower(column.label)
    if not text:
        return None, (REQUIRED.format(label=label) if column.required else "")
    if column.type == ColumnType.TEXT:
        if len(text) > column.max_length:
            return None, TOO_LONG.format(label=label, max_length=column.max_length)
        return text, ""
    if column.type == ColumnType.DATE:
        value = _parse_date(text)
        return value, ("" if value else DATE_INVALID.format(label=label))
    if column.type == ColumnType.INTEGER:
        try:
            value = int(text.replace(",", ""))
        except ValueError:
            return None, INTEGER_INVALID.format(label=label)
        if (column.minimum is not None and value < column.minimum) or (
            column.maximum is not None and value > column.maximum
        ):
            return None, INTEGER_RANGE.format(
                label=label, minimum=column.minimum, maximum=column.maximum
            )
        return value, ""
    if column.type == ColumnType.CHOICE:
        value = lookup.get(header_key(text))
        if value is None:
            return None, CHOICE_UNKNOWN.format(
                value=text[:50], label=label, allowed=allowed_labels[column.name]
            )
        return value, ""
    if column.type == ColumnType.MULTI_CHOICE:
        values: list[str] = []
        unknown: list[str] = []
        for part in MULTI_SEPARATORS.split(text):
            part = part.strip()
            if not part:
                continue
            code = lookup.get(header_key(part))
            if code is None:
                unknown.append(part[:50])
            elif code not in values:
                values.append(code)
        if unknown:
            return None, MULTI_UNKNOWN.format(
                value="’, ‘".join(unknown), allowed=allowed_labels[column.name]
            )
        if not values:
            return None, (REQUIRED.format(label=label) if column.required else "")
        return values, ""
    raise ValueError(f"Unknown column type {column.type!r}")


# --- Import ----------------------------------------------------------------------------------


def problems_summary(total: int, shown: int = MAX_ERRORS_SHOWN) -> str:
    if total > shown:
        return TOO_MANY_PROBLEMS.format(total=total, shown=shown)
    return PROBLEMS.format(
        verb="is" if total == 1 else "are",
        total=total,
        noun="problem" if total == 1 else "problems",
    )


def _row_context(activity: ScrutinyActivity) -> RowContext:
    inspection = getattr(activity, "inspection", None)
    return RowContext(
        today=timezone.localdate(),
        period_start=getattr(inspection, "period_start", None),
        period_end=getattr(inspection, "period_end", None),
    )


def _read_stored(stored_file: StoredFile) -> bytes:
    with stored_file.file.storage.open(stored_file.file.name, "rb") as handle:
        return handle.read()


def _discard(stored_file: StoredFile) -> None:
    name = stored_file.file.name
    stored_file.delete()
    if name:
        stored_file.file.storage.delete(name)


def population_import(
    *, activity: ScrutinyActivity, stored_file: StoredFile, by, request=None
) -> Population:
    """Replace the activity's population with the records in `stored_file`, all or nothing.

    Raise ApplicationError (with `extra["errors"]`, the first 200 RowErrors, and
    `extra["total"]`) when the file has problems; the file is then deleted and nothing is
    stored. Refused once a sample has been drawn.
    """
    if Sample.objects.filter(activity=activity).exists():
        raise ApplicationError(SAMPLE_DRAWN)
    if stored_file.scan_state == StoredFile.ScanState.REJECTED:
        raise ApplicationError(FILE_REFUSED)
    schema = get_schema(activity.population_schema)
    data = _read_stored(stored_file)
    parsed = population_parse(
        data=data, kind=stored_file.kind, schema=schema, context=_row_context(activity)
    )
    if not parsed.ok:
        total = len(parsed.errors)
        audit_record(
            action="population_import_refused",
            actor=by,
            obj=activity,
            request=request,
            new={"problems": total, "sha256": stored_file.sha256},
        )
        _discard(stored_file)
        raise ApplicationError(
            IMPORT_FAILED,
            extra={
                "errors": parsed.errors[:MAX_ERRORS_SHOWN],
                "total": total,
                "summary": problems_summary(total),
            },
        )

    with transaction.atomic():
        # Lock the activity so two uploads (or an upload and a draw) cannot interleave.
        ScrutinyActivity.objects.select_for_update().filter(pk=activity.pk).first()
        if Sample.objects.filter(activity=activity).exists():
            raise ApplicationError(SAMPLE_DRAWN)
        population = Population.objects.filter(activity=activity).first()
        old = None
        if population is None:
            population = Population(activity=activity)
        else:
            old = {"row_count": population.row_count, "source_file": str(population.source_file_id)}
            population.records.all().delete()
        population.schema = schema.code
        population.source_file = stored_file
        population.row_count = len(parsed.rows)
        population.uploaded_by = by
        population.save()
        PopulationRecord.objects.bulk_create(
            (
                PopulationRecord(
                    population=population, reference=reference, row_number=row, data=values
                )
                for row, reference, values in parsed.rows
            ),
            batch_size=IMPORT_BATCH,
        )
        audit_record(
            action="population_imported",
            actor=by,
            obj=population,
            request=request,
            old=old,
            new={
                "row_count": population.row_count,
                "sha256": stored_file.sha256 or hashlib.sha256(data).hexdigest(),
                "file": str(stored_file.pk),
            },
        )
    return population
