"""Double reading, agreement, discrepancies, moderation and the spreadsheet fallback."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections import selectors, services
from inspections.agreement import MINIMUM_PAIRS, TOO_FEW, agreement_summary
from inspections.models import Answer, ModeratedAnswer, Reading
from inspections.services.moderation import (
    MODERATION_LEAD_ONLY,
    MODERATION_READINGS_NOT_SUBMITTED,
    MODERATION_REASON_REQUIRED,
)
from qi_framework.instruments.evaluation import RATING_ERROR
from tests.factories import login, person
from tests.inspections.factories import assign
from tests.inspections.reading_factories import make_reading, make_reading_setup

pytestmark = pytest.mark.django_db


def save(reading, code, value, by):
    result = services.answer_save(
        reading=selectors.reading_get(pk=reading.pk),
        question=code,
        raw_value=value,
        based_on_version=None,
        client_save_id=uuid.uuid4(),
        by=by,
    )
    assert result.ok, result.message
    return result


def mark_submitted(*readings):
    Reading.objects.filter(pk__in=[r.pk for r in readings]).update(status=Reading.Status.SUBMITTED)


@pytest.fixture
def double(inspection):
    """Records 0..11 read twice: by `first` and then by `second`."""
    sample, records, first = make_reading_setup(inspection, size=12)
    second = assign(person(Role.INSPECTOR), "inspector", inspection)
    pairs = [
        (make_reading(record, first), make_reading(record, second, order=2)) for record in records
    ]
    return inspection, sample, first, second, pairs


def test_discrepancies_list_only_submitted_pairs_that_differ(double):
    _, sample, first, second, pairs = double
    (a1, a2), (b1, b2) = pairs[0], pairs[1]
    save(a1, "recording_quality", "5", first)
    save(a2, "recording_quality", "3", second)
    save(a1, "order_status", "current", first)
    save(a2, "order_status", "current", second)
    save(b1, "recording_quality", "4", first)
    save(b2, "recording_quality", "2", second)
    save(a1, "outcomes_notes", "Good", first)
    save(a2, "outcomes_notes", "Fine", second)  # free text is never a discrepancy
    assert selectors.discrepancy_list(sample=sample) == []
    mark_submitted(a1, a2, b1)  # b2 is not submitted yet
    (only,) = selectors.discrepancy_list(sample=sample)
    assert only.sample_record == a1.sample_record
    assert only.question.code == "recording_quality"
    assert (only.first_display, only.second_display) == ("5 (very good)", "3 (adequate)")


def test_moderation_becomes_the_answer_that_counts(double):
    inspection, sample, first, second, pairs = double
    a1, a2 = pairs[0]
    save(a1, "recording_quality", "5", first)
    save(a2, "recording_quality", "3", second)
    record = a1.sample_record
    question = Answer.objects.get(reading=a1, question__code="recording_quality").question
    assert selectors.answer_that_counts(record, question) == 5  # the first reading by default
    with pytest.raises(ApplicationError) as refused:
        services.moderation_record(
            sample_record=record, question=question, raw_value="4", reason="x", by=inspection.lead
        )
    assert refused.value.message == MODERATION_READINGS_NOT_SUBMITTED
    mark_submitted(a1, a2)
    for who, reason, value, message in [
        (first, "Because", "4", MODERATION_LEAD_ONLY),
        (inspection.lead, "  ", "4", MODERATION_REASON_REQUIRED),
        (inspection.lead, "Because", "9", RATING_ERROR),
    ]:
        with pytest.raises(ApplicationError) as refused:
            services.moderation_record(
                sample_record=record, question=question, raw_value=value, reason=reason, by=who
            )
        assert refused.value.message == message
    services.moderation_record(
        sample_record=record,
        question=question,
        raw_value="4",
        reason="The record shows a partial chronology",
        by=inspection.lead,
    )
    assert selectors.answer_that_counts(record, question) == 4
    assert selectors.answers_that_count(sample=sample)[(record.pk, "recording_quality")] == 4
    (discrepancy,) = selectors.discrepancy_list(sample=sample)
    assert discrepancy.moderated.reason == "The record shows a partial chronology"
    event = AuditEvent.objects.get(action="answer_moderated")
    assert event.new_value == {"value": 4, "reason": "The record shows a partial chronology"}
    # The readings themselves are kept as read.
    assert Answer.objects.get(reading=a1, question__code="recording_quality").value == 5
    entries = selectors.record_history(sample_record=record)
    assert any(e.event.action == "answer_moderated" for e in entries)


def test_agreement_uses_weighted_kappa_for_ratings_and_needs_ten_pairs(double):
    _, sample, first, second, pairs = double
    firsts = [6, 5, 4, 4, 3, 2, 5, 4, 3, 6, 1, 2]
    seconds = [6, 4, 4, 3, 3, 2, 5, 5, 3, 5, 2, 2]
    for (r1, r2), a, b in zip(pairs, firsts, seconds, strict=True):
        save(r1, "recording_quality", str(a), first)
        save(r2, "recording_quality", str(b), second)
        save(r1, "cjswr_prepared", "yes", first)
        save(r2, "cjswr_prepared", "yes" if a == b else "no", second)
    mark_submitted(*(r for pair in pairs[:9] for r in pair))
    table = selectors.agreement_table(sample=sample)
    rating = next(r for r in table["by_question"] if r.question.code == "recording_quality")
    assert rating.summary.n_pairs == 9 < MINIMUM_PAIRS
    assert rating.summary.message == TOO_FEW and rating.summary.kappa is None
    mark_submitted(*(r for pair in pairs for r in pair))
    table = selectors.agreement_table(sample=sample)
    assert table["records"] == 12
    rating = next(r for r in table["by_question"] if r.question.code == "recording_quality")
    expected = agreement_summary(list(zip(firsts, seconds, strict=True)), "rating")
    assert rating.summary == expected
    assert rating.summary.kappa_kind == "weighted kappa (quadratic weights)"
    assert rating.summary.percentage == pytest.approx(100 * 7 / 12)
    yes_no = next(r for r in table["by_question"] if r.question.code == "cjswr_prepared")
    assert yes_no.summary.kappa_kind == "Cohen's kappa (unweighted)"
    assert yes_no.summary.percentage == pytest.approx(100 * 7 / 12)
    labels = [row.label for row in table["by_readers"]]
    assert len(labels) == 2 and labels[0].endswith(": ratings")
    assert table["by_readers"][0].summary == expected


# --- Pages ---------------------------------------------------------------------------------------


def url(name, **kwargs):
    return reverse(f"inspections:{name}", kwargs=kwargs)


def test_moderation_pages_for_the_lead_only(client, double):
    inspection, sample, first, second, pairs = double
    a1, a2 = pairs[0]
    save(a1, "recording_quality", "5", first)
    save(a2, "recording_quality", "3", second)
    mark_submitted(a1, a2)
    record = a1.sample_record
    moderate = url("moderatedanswer_create", pk=record.pk, code="recording_quality")
    login(client, first)  # an inspector sees the disagreements but cannot moderate
    response = client.get(url("moderation_list", pk=inspection.pk))
    assert response.status_code == 200 and "Not moderated yet" in response.text
    assert moderate not in response.text
    assert client.get(url("agreement_table", pk=inspection.pk)).status_code == 200
    assert client.get(moderate).status_code == 403
    assert client.post(moderate, {"recording_quality": "4", "reason": "x"}).status_code == 403
    co_reader = assign(
        person(Role.AUTHORITY_CONTACT, "west-dunbartonshire"), "local_co_reader", inspection
    )
    login(client, co_reader)
    assert client.get(url("moderation_list", pk=inspection.pk)).status_code == 403
    assert client.get(url("agreement_table", pk=inspection.pk)).status_code == 403
    assert client.get(moderate).status_code == 403
    outsider = person(Role.INSPECTOR)
    login(client, outsider)
    assert client.get(url("moderation_list", pk=inspection.pk)).status_code == 404
    assert client.get(moderate).status_code == 404
    login(client, inspection.lead)
    response = client.get(url("moderation_list", pk=inspection.pk))
    assert response.status_code == 200
    assert "5 (very good)" in response.text and "3 (adequate)" in response.text
    response = client.get(url("agreement_table", pk=inspection.pk))
    assert response.status_code == 200 and TOO_FEW in response.text.lower()
    response = client.post(moderate, {"recording_quality": "4", "reason": ""})
    assert response.status_code == 200 and MODERATION_REASON_REQUIRED in response.text
    response = client.post(moderate, {"recording_quality": "4", "reason": "Chronology partial"})
    assert response.status_code == 302
    assert ModeratedAnswer.objects.get(sample_record=record).value_number == 4


# --- Spreadsheet fallback ------------------------------------------------------------------------


def workbook_of(content: bytes):
    return load_workbook(io.BytesIO(content))


def upload(workbook) -> SimpleUploadedFile:
    stream = io.BytesIO()
    workbook.save(stream)
    return SimpleUploadedFile(
        "readings.xlsx",
        stream.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def column_of(sheet, code) -> int:
    return next(c.column for c in sheet[1] if c.value == code)


def row_of(sheet, reference, email) -> int:
    return next(
        row[0].row
        for row in sheet.iter_rows(min_row=3)
        if row[0].value == reference and row[2].value == email
    )


@pytest.fixture
def paper(inspection):
    sample, records, reader = make_reading_setup(inspection, size=3)
    reading = make_reading(records[0], reader)
    return inspection, sample, reader, reading


def test_export_has_a_row_per_sampled_record_and_choice_lists(paper):
    _, sample, reader, reading = paper
    save(reading, "order_status", "current", reader)
    sheet = workbook_of(services.readings_export_xlsx(sample=sample))["Readings"]
    assert [c.value for c in sheet[1]][:5] == [
        "reference",
        "stratum",
        "reader_email",
        "reading",
        "supervision_months",
    ]
    assert "order_date" not in [c.value for c in sheet[1]]  # derived: worked out, not typed
    assert sheet.cell(row=2, column=column_of(sheet, "order_status")).value == "Status of the order"
    assert sheet.max_row == 2 + 3
    row = row_of(sheet, reading.sample_record.record.reference, reader.email)
    assert sheet.cell(row=row, column=column_of(sheet, "order_status")).value == "current"
    formulas = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert '"yes,no,na"' in formulas and '"current,completed,breached,revoked"' in formulas


def test_import_round_trip_stores_new_answers_as_the_rows_reading(paper):
    inspection, sample, reader, reading = paper
    save(reading, "order_status", "current", reader)
    workbook = workbook_of(services.readings_export_xlsx(sample=sample))
    sheet = workbook["Readings"]
    row = row_of(sheet, reading.sample_record.record.reference, reader.email)
    sheet.cell(row=row, column=column_of(sheet, "cjswr_prepared")).value = "yes"
    sheet.cell(row=row, column=column_of(sheet, "recording_quality")).value = 4
    sheet.cell(row=row, column=column_of(sheet, "interventions_needed")).value = "programme;other"
    report = services.readings_import_xlsx(sample=sample, file=upload(workbook), by=inspection.lead)
    assert report.ok and report.saved == 3
    answers = {a.question.code: a for a in Answer.objects.filter(reading=reading)}
    assert answers["cjswr_prepared"].value == "yes"
    assert answers["recording_quality"].value == 4
    assert answers["interventions_needed"].value == ["programme", "other"]
    assert answers["recording_quality"].updated_by == inspection.lead
    assert answers["order_status"].version == 1  # equal to what was stored: untouched
    assert AuditEvent.objects.filter(action="answer_changed", actor=inspection.lead).count() == 3


def test_import_reports_conflicts_and_errors_and_stores_nothing(paper):
    inspection, sample, reader, reading = paper
    save(reading, "order_status", "current", reader)
    workbook = workbook_of(services.readings_export_xlsx(sample=sample))
    sheet = workbook["Readings"]
    row = row_of(sheet, reading.sample_record.record.reference, reader.email)
    sheet.cell(row=row, column=column_of(sheet, "order_status")).value = "revoked"
    sheet.cell(row=row, column=column_of(sheet, "cjswr_prepared")).value = "yes"
    report = services.readings_import_xlsx(sample=sample, file=upload(workbook), by=inspection.lead)
    assert not report.ok and report.saved == 0
    (conflict,) = report.conflicts
    assert (conflict.question, conflict.in_system, conflict.in_file) == (
        "Status of the order",
        "Current",
        "Revoked",
    )
    assert not Answer.objects.filter(reading=reading, question__code="cjswr_prepared").exists()
    sheet.cell(row=row, column=column_of(sheet, "order_status")).value = "current"
    sheet.cell(row=row, column=column_of(sheet, "recording_quality")).value = 9
    report = services.readings_import_xlsx(sample=sample, file=upload(workbook), by=inspection.lead)
    assert report.errors == [f"Row {row}, recording_quality: {RATING_ERROR}"]
    assert not Answer.objects.filter(reading=reading, question__code="cjswr_prepared").exists()


def test_import_refuses_people_other_than_the_lead(paper):
    inspection, sample, reader, _ = paper
    content = services.readings_export_xlsx(sample=sample)
    with pytest.raises(ApplicationError):
        services.readings_import_xlsx(sample=sample, file=upload(workbook_of(content)), by=reader)


def test_export_and_import_pages(client, paper):
    inspection, sample, reader, reading = paper
    login(client, reader)
    assert client.get(url("reading_export_xlsx", pk=inspection.pk)).status_code == 403
    assert client.get(url("reading_import_xlsx", pk=inspection.pk)).status_code == 403
    login(client, inspection.lead)
    response = client.get(url("reading_export_xlsx", pk=inspection.pk))
    assert response.status_code == 200
    workbook = workbook_of(response.content)
    sheet = workbook["Readings"]
    row = row_of(sheet, reading.sample_record.record.reference, reader.email)
    sheet.cell(row=row, column=column_of(sheet, "cjswr_prepared")).value = "no"
    response = client.post(url("reading_import_xlsx", pk=inspection.pk), {"file": upload(workbook)})
    assert response.status_code == 302
    assert Answer.objects.get(reading=reading, question__code="cjswr_prepared").value == "no"
