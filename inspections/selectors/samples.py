"""Reads for inspections: the sample, its reserve list, readers and the export for the authority."""

import csv
import io
from dataclasses import dataclass

from accounts.selectors import assignments_for
from inspections.models import Reading, Sample, SampleRecord, ScrutinyActivity
from inspections.rules import READERS

__all__ = [
    "SampleRow",
    "sample_export_csv",
    "sample_export_rows",
    "sample_export_xlsx",
    "sample_has_readings",
    "sample_of",
    "sample_readers_available",
    "sample_reserve",
    "sample_rows",
    "stratum_label",
]

EXPORT_HEADERS = ["Reference", "Stratum", "Rank", "List", "Status", "Replaces"]


def stratum_label(stratum: str) -> str:
    return stratum or "All records"


@dataclass(frozen=True)
class SampleRow:
    record: SampleRecord
    first_reader: str
    second_reader: str


def sample_of(*, activity: ScrutinyActivity) -> Sample | None:
    return Sample.objects.filter(activity=activity).select_related("drawn_by").first()


def sample_rows(*, sample: Sample) -> list[SampleRow]:
    """Return the records in the sample (replaced ones too) with their readers (two queries)."""
    records = list(
        sample.records.filter(role=SampleRecord.Role.SAMPLED)
        .select_related("record", "replaces__record")
        .order_by("stratum", "rank")
    )
    readers: dict[tuple[int, int], str] = {
        (r.sample_record_id, r.order): r.reader.name
        for r in Reading.objects.filter(sample_record__sample=sample).select_related("reader")
    }
    return [SampleRow(r, readers.get((r.pk, 1), ""), readers.get((r.pk, 2), "")) for r in records]


def sample_reserve(*, sample: Sample):
    return (
        sample.records.filter(role=SampleRecord.Role.RESERVE)
        .select_related("record")
        .order_by("stratum", "rank")
    )


def sample_has_readings(*, sample: Sample) -> bool:
    return Reading.objects.filter(sample_record__sample=sample).exists()


def sample_readers_available(*, activity: ScrutinyActivity):
    """Return the people in the team who may read records, by name, each once."""
    seen: dict[int, object] = {}
    for assignment in assignments_for(target=activity).filter(kind__in=READERS):
        seen.setdefault(assignment.user_id, assignment.user)
    return sorted(seen.values(), key=lambda user: (user.name, user.pk))


def sample_export_rows(*, sample: Sample) -> list[list]:
    """Return what the authority needs to prepare records: no readers, no answers."""
    rows = []
    for record in (
        sample.records.select_related("record", "replaces__record")
        .order_by("role", "stratum", "rank")
        .iterator()
    ):
        rows.append(
            [
                record.record.reference,
                stratum_label(record.stratum),
                record.rank,
                "Sample" if record.role == SampleRecord.Role.SAMPLED else "Reserve",
                record.get_status_display(),
                record.replaces.record.reference if record.replaces_id else "",
            ]
        )
    return rows


def sample_export_csv(*, sample: Sample) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADERS)
    writer.writerows(sample_export_rows(sample=sample))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def sample_export_xlsx(*, sample: Sample) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sample"
    sheet.append(EXPORT_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sample_export_rows(sample=sample):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEF", (20, 32, 8, 10, 30, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
