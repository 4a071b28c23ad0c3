"""Population import: the CPO schema, every kind of problem, personal identifiers, encodings,
all-or-nothing, replacement until a sample is drawn, templates, and the pages' permissions."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent, StoredFile
from core.uploads import upload_accept
from inspections.models import Population, PopulationRecord
from inspections.population_schemas import CPO, RowContext
from inspections.selectors import population_template_csv, population_template_xlsx
from inspections.services import population_import, population_parse
from inspections.services import populations as svc
from tests.factories import login, person
from tests.inspections.factories import make_population, make_sample

HEADER = (
    "Reference,Order date,End date,Status,Requirements,Unpaid work hours,Unpaid work level,"
    "Supervision months,Sex,Age band,Team"
)
GOOD_ROWS = [
    "WD-001,08/01/2018,07/01/2019,completed,Offender supervision; Unpaid work or other activity,"
    "120,,12,Female,26 to 40,Clydebank",
    "WD-002,2018-03-01,,current,supervision|alcohol_treatment,,,18,male,21_to_25,Dumbarton",
    "WD-003,15/06/2018,15/12/2018,completed,unpaid work,80,1,,Not recorded,18 to 20,Clydebank",
]
CONTEXT = RowContext(
    today=dt.date(2019, 11, 1), period_start=dt.date(2017, 11, 1), period_end=dt.date(2019, 10, 31)
)


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def parse(data: bytes, kind: str = "csv"):
    return population_parse(data=data, kind=kind, schema=CPO, context=CONTEXT)


def messages_of(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in result.errors]


def test_good_file_is_normalised_to_instrument_codes():
    result = parse(csv_bytes(*GOOD_ROWS))
    assert result.ok, result.errors
    rows = {reference: data for _, reference, data in result.rows}
    first = rows["WD-001"]
    assert first["order_date"] == "2018-01-08"
    assert first["end_date"] == "2019-01-07"
    assert first["requirements"] == ["supervision", "unpaid_work"]
    assert first["unpaid_work_level"] == "level_2"  # derived from 120 hours
    assert first["sex"] == "female"
    assert first["age_band"] == "26_to_40"
    assert first["order_type"] == "Supervision and unpaid work"
    assert rows["WD-002"]["requirements"] == ["supervision", "alcohol_treatment"]
    assert rows["WD-002"]["order_type"] == "Supervision (no unpaid work)"
    assert rows["WD-003"]["order_type"] == "Unpaid work only"
    assert rows["WD-003"]["unpaid_work_level"] == "level_1"
    assert rows["WD-003"]["sex"] == "not_recorded"
    assert [row for row, _, _ in result.rows] == [2, 3, 4]


def test_requirement_codes_match_the_reading_instrument(reference_data):
    from qi_framework.models import Question

    for code, column in [
        ("requirements", "requirements"),
        ("sex", "sex"),
        ("age_band", "age_band"),
        ("unpaid_work_level", "unpaid_work_level"),
        ("order_status", "status"),
    ]:
        question = Question.objects.filter(
            code=code, version__instrument__code="cpo-file-reading"
        ).first()
        options = {o["value"] for o in question.options}
        assert options == {c.value for c in CPO.column(column).choices}, code


def test_every_problem_is_listed_with_row_and_column():
    rows = [
        "WD-1,08/01/2018,,current,supervision;juggling,,,12,male,,",  # unknown requirement
        "WD-2,08/01/2030,,current,supervision,,,12,male,,",  # date in the future
        "WD-3,08/01/2019,07/01/2018,completed,supervision,,,12,male,,",  # end before start
        "WD-1,08/01/2018,,current,supervision,,,12,male,,",  # duplicate reference
        "WD-5,08/01/2018,,current,unpaid work,301,,,male,,",  # hours out of range
        ",08/01/2018,,,supervision,,,12,male,,",  # missing reference and status
        "WD-7,08/01/2018,,current,unpaid work,50,2,,male,,",  # level does not match hours
        "WD-8,31/02/2018,,current,supervision,,,12,male,,",  # not a date
        "WD-9,08/01/2016,01/06/2017,completed,supervision,,,12,male,,",  # ended before period
    ]
    result = parse(csv_bytes(*rows))
    assert not result.ok
    assert result.rows == []
    found = messages_of(result)
    assert (
        2,
        "Requirements",
        svc.MULTI_UNKNOWN.format(
            value="juggling", allowed=", ".join(c.label for c in CPO.column("requirements").choices)
        ),
    ) in found
    assert (3, "Order date", "The order date is in the future. Check the date.") in found
    assert (4, "End date", "The end date is before the order date. Check both dates.") in found
    assert (5, "Reference", svc.DUPLICATE_REFERENCE.format(reference="WD-1", first=2)) in found
    assert (6, "Unpaid work hours", "The unpaid work hours must be between 20 and 300.") in found
    assert (7, "Reference", "Enter the reference.") in found
    assert (7, "Status", "Enter the status.") in found
    assert (
        8,
        "Unpaid work level",
        svc.__dict__.get("LEVEL_MISMATCH")
        or "The unpaid work level does not match the hours: level 1 is 20 to 100 hours and "
        "level 2 is 101 to 300 hours.",
    ) in found
    assert (9, "Order date", svc.DATE_INVALID.format(label="order date")) in found
    assert any(
        e[0] == 10 and "before the inspection period starts (1 November 2017)" in e[2]
        for e in found
    )


def test_personal_identifier_headers_are_refused():
    header = HEADER + ",Surname,DOB,CHI Number,Address"
    result = parse(csv_bytes(GOOD_ROWS[0] + ",Smith,01/01/1990,x,1 High St", header=header))
    refused = {e.column for e in result.errors if "personal identifier" in e.message}
    assert refused == {"Surname", "DOB", "CHI Number", "Address"}
    assert all(e.row == 1 for e in result.errors)


def test_unknown_column_is_refused():
    result = parse(csv_bytes(GOOD_ROWS[0] + ",x", header=HEADER + ",Notes"))
    assert messages_of(result)[0][:2] == (1, "Notes")


def test_chi_value_is_refused_without_echoing_it():
    row = GOOD_ROWS[0].replace("Clydebank", "311299 1234")
    result = parse(csv_bytes(row))
    assert messages_of(result) == [(2, "Team", svc.CHI_VALUE)]
    assert "1234" not in str(result.errors)


@pytest.mark.parametrize(
    "value,is_chi",
    [
        ("3112991234", True),
        ("0101001234", True),
        ("9999991234", False),
        ("3102991234", False),
        ("123456789", False),
        ("31 12 99 1234", True),
    ],
)
def test_chi_check_needs_a_real_date(value, is_chi):
    assert svc.is_chi_number(value) is is_chi


def test_reference_that_is_not_a_chi_is_accepted():
    result = parse(csv_bytes(GOOD_ROWS[0].replace("WD-001", "9999991234")))
    assert result.ok


def test_encodings_utf8_bom_and_windows_1252():
    row = GOOD_ROWS[0].replace("Clydebank", "Équipe £ Alexandria")
    bom = b"\xef\xbb\xbf" + csv_bytes(row)
    assert parse(bom).ok
    cp1252 = csv_bytes(row, encoding="cp1252")
    result = parse(cp1252)
    assert result.ok
    assert result.rows[0][2]["team"] == "Équipe £ Alexandria"


def test_binary_garbage_is_unreadable():
    result = parse(bytes(range(256)) * 10)
    assert messages_of(result) == [(0, "", svc.UNREADABLE)]


def test_header_only_has_no_rows():
    result = parse(population_template_csv(schema=CPO))
    assert messages_of(result) == [(0, "", svc.NO_ROWS)]


def test_xlsx_template_parses_back_and_xlsx_rows_import():
    from openpyxl import load_workbook

    template = population_template_xlsx(schema=CPO)
    assert messages_of(parse(template, "xlsx")) == [(0, "", svc.NO_ROWS)]
    workbook = load_workbook(io.BytesIO(template))
    assert workbook.sheetnames == ["Population", "Lists", "How to fill this in"]
    sheet = workbook["Population"]
    sheet.append(
        [
            "WD-9",
            dt.datetime(2018, 5, 1),
            None,
            "Current",
            "Offender supervision",
            None,
            None,
            12,
            "Male",
            "41 and over",
            "Dumbarton",
        ]
    )
    sheet.append(
        [
            "WD-10",
            "02/05/2018",
            None,
            "Current",
            "Unpaid work or other activity",
            250.0,
            "Level 2 (101 to 300 hours)",
            None,
            "Female",
            "Under 18",
            "",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = parse(buffer.getvalue(), "xlsx")
    assert result.ok, result.errors
    assert result.rows[0][2]["order_date"] == "2018-05-01"
    assert result.rows[1][2]["unpaid_work_hours"] == 250


def _stored(inspection, data: bytes, name="population.csv"):
    return upload_accept(
        file=SimpleUploadedFile(name, data),
        policy="import",
        by=inspection.lead,
        owner=inspection.activity,
    )


@pytest.fixture
def today_in_fieldwork(monkeypatch):
    monkeypatch.setattr(svc.timezone, "localdate", lambda: dt.date(2019, 11, 1))


@pytest.mark.django_db
def test_import_stores_all_rows_and_audits(inspection, today_in_fieldwork):
    stored = _stored(inspection, csv_bytes(*GOOD_ROWS))
    population = population_import(
        activity=inspection.activity, stored_file=stored, by=inspection.lead
    )
    assert population.row_count == 3
    assert population.records.count() == 3
    event = AuditEvent.objects.get(action="population_imported")
    assert event.new_value["row_count"] == 3
    assert event.new_value["sha256"] == stored.sha256


@pytest.mark.django_db
def test_one_bad_row_stores_nothing_and_deletes_the_file(inspection, today_in_fieldwork):
    stored = _stored(inspection, csv_bytes(*GOOD_ROWS, "WD-9,x,,current,supervision,,,,,,"))
    with pytest.raises(ApplicationError) as error:
        population_import(activity=inspection.activity, stored_file=stored, by=inspection.lead)
    assert error.value.extra["total"] == 1
    assert error.value.extra["summary"] == "There is 1 problem in the file."
    assert not PopulationRecord.objects.exists()
    assert not Population.objects.exists()
    assert not StoredFile.objects.filter(pk=stored.pk).exists()


def test_many_problems_summary_says_how_many_are_listed():
    assert svc.problems_summary(1204) == (
        "There are 1,204 problems in the file. The first 200 are listed."
    )


@pytest.mark.django_db
def test_reupload_replaces_until_a_sample_is_drawn(inspection, today_in_fieldwork):
    activity = inspection.activity
    population_import(
        activity=activity,
        stored_file=_stored(inspection, csv_bytes(*GOOD_ROWS)),
        by=inspection.lead,
    )
    population = population_import(
        activity=activity,
        stored_file=_stored(inspection, csv_bytes(GOOD_ROWS[0])),
        by=inspection.lead,
    )
    assert list(population.records.values_list("reference", flat=True)) == ["WD-001"]
    make_sample(inspection, size=1, reserve=0)
    with pytest.raises(ApplicationError, match="sample has already been drawn"):
        population_import(
            activity=activity,
            stored_file=_stored(inspection, csv_bytes(*GOOD_ROWS)),
            by=inspection.lead,
        )
    assert population.records.count() == 1


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_authority_contact_uploads_the_population(client, inspection, today_in_fieldwork):
    contact = person(Role.AUTHORITY_CONTACT)
    login(client, contact)
    url = reverse("inspections:population_upload", args=[inspection.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Upload a CSV or Excel file, up to 20 MB" in page.content.decode()
    response = client.post(url, {"file": SimpleUploadedFile("p.csv", csv_bytes(*GOOD_ROWS))})
    assert response.status_code == 302
    assert inspection.activity.population.row_count == 3
    detail = client.get(response.url).content.decode()
    assert "3 records" in detail
    assert "WD-001" not in detail  # the authority sees counts, not the list


@pytest.mark.django_db
def test_upload_with_problems_lists_them(client, inspection, today_in_fieldwork):
    login(client, inspection.lead)
    url = reverse("inspections:population_upload", args=[inspection.pk])
    bad = csv_bytes(
        "WD-1,08/01/2018,,current,juggling,,,,,,", "WD-2,08/01/2018,,current,juggling,,,,,,"
    )
    page = client.post(url, {"file": SimpleUploadedFile("p.csv", bad)}).content.decode()
    assert "There are 2 problems in the file." in page
    assert "Row 2" in page and "Row 3" in page and "Requirements" in page
    assert "govuk-error-summary" in page
    assert not Population.objects.exists()


@pytest.mark.django_db
def test_other_authority_contact_gets_404(client, inspection):
    outsider = person(Role.AUTHORITY_CONTACT, "glasgow-city")
    login(client, outsider)
    for name in ("population_upload", "population_detail"):
        assert client.get(reverse(f"inspections:{name}", args=[inspection.pk])).status_code == 404


@pytest.mark.django_db
def test_templates_download(client, inspection):
    login(client, person(Role.AUTHORITY_CONTACT))
    csv_response = client.get(
        reverse("inspections:population_template", args=[inspection.pk, "csv"])
    )
    assert csv_response.status_code == 200
    assert csv_response.content.decode("utf-8-sig").startswith("Reference,Order date")
    xlsx = client.get(reverse("inspections:population_template", args=[inspection.pk, "xlsx"]))
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


@pytest.mark.django_db
def test_team_sees_the_records(client, inspection):
    make_population(inspection, size=3)
    login(client, inspection.lead)
    page = client.get(reverse("inspections:population_detail", args=[inspection.pk]))
    assert "WD-00000" in page.content.decode()
