"""Figure registers: made from computed figures, frozen with a published document, shown only
inside the inspectorate, and downloadable as CSV that a spreadsheet cannot run."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections.models import SampleRecord
from reports.figure_register import (
    FIGURE_CODE_REPEATED,
    FIGURE_FRACTION_INVALID,
    ComputedFigure,
    csv_safe,
    figure_register_create,
    figure_register_csv,
    figure_register_delete,
    figure_register_freeze,
    figure_register_replace,
    figure_register_rows,
    figure_registers_of,
)
from reports.models import FigureRegister, RegisteredFigure
from tests.factories import login, person
from tests.inspections.factories import make_inspection, make_population, make_sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(reference_data):
    inspection = make_inspection()
    make_population(inspection, size=20)
    make_sample(inspection, size=4, reserve=0)
    return inspection


def sample_records(inspection):
    return list(
        SampleRecord.objects.filter(sample__activity=inspection.activity)
        .select_related("record")
        .order_by("record__reference")
    )


def figures_for(inspection) -> list[ComputedFigure]:
    records = sample_records(inspection)
    return [
        ComputedFigure(
            code="5.2-Q18-good",
            section="5.2 Assessing and responding to risk and need",
            definition="LS/CMI assessments rated good or better, of those rated.",
            numerator=2,
            denominator=4,
            words="Half of the LS/CMI assessments (2 of 4) were good or better.",
            records=tuple((r.pk, r.record.reference) for r in records[:2]),
            records_url="/inspections/1/evidence/figures/5.2-Q18-good/",
        ),
        ComputedFigure(
            code="M-records",
            section="Methodology",
            definition='=HYPERLINK("http://evil.example")',
            numerator=4,
            denominator=20,
            words="-4 of 20 records",
        ),
    ]


def test_create_copies_every_figure_with_its_references(subject):
    lead = subject.lead
    register = figure_register_create(
        subject=subject, label="Inspection report, version 1", figures=figures_for(subject), by=lead
    )
    stored = list(register.figures.order_by("position"))
    assert [f.code for f in stored] == ["5.2-Q18-good", "M-records"]
    first = stored[0]
    references = [r.record.reference for r in sample_records(subject)[:2]]
    assert [r["reference"] for r in first.records] == references
    assert (first.numerator, first.denominator) == (2, 4)
    assert first.words.startswith("Half of the LS/CMI assessments")
    assert list(figure_registers_of(subject=subject)) == [register]
    event = AuditEvent.objects.get(action="figure_register_created")
    assert event.new_value["figures"] == 2


def test_create_refuses_repeated_codes_and_impossible_fractions(subject):
    figures = figures_for(subject)
    with pytest.raises(ApplicationError) as error:
        figure_register_create(subject=subject, label="Report", figures=[figures[0], figures[0]])
    assert error.value.message == FIGURE_CODE_REPEATED.format(code="5.2-Q18-good")
    bad = ComputedFigure("X", "", "", numerator=5, denominator=4, words="")
    with pytest.raises(ApplicationError) as error:
        figure_register_create(subject=subject, label="Report", figures=[bad])
    assert error.value.message == FIGURE_FRACTION_INVALID.format(
        code="X", numerator=5, denominator=4
    )
    assert not FigureRegister.objects.exists()


def test_freeze_is_audited_and_a_frozen_register_refuses_any_change(subject):
    lead = subject.lead
    register = figure_register_create(subject=subject, label="Report", figures=figures_for(subject))
    replaced = figure_register_replace(register=register, figures=figures_for(subject)[:1], by=lead)
    assert replaced.figures.count() == 1
    frozen = figure_register_freeze(register=register, by=lead)
    assert frozen.is_frozen and frozen.frozen_by == lead
    assert AuditEvent.objects.filter(action="figure_register_frozen").count() == 1
    for change in (
        lambda: figure_register_replace(register=register, figures=figures_for(subject), by=lead),
        lambda: figure_register_freeze(register=register, by=lead),
        lambda: figure_register_delete(register=register, by=lead),
    ):
        with pytest.raises(ApplicationError) as error:
            change()
        assert "frozen" in error.value.message
    assert RegisteredFigure.objects.filter(register=register).count() == 1


def test_rows_link_to_live_records_only_while_they_exist(subject):
    none_behind = ComputedFigure(
        "5.2-Q18-weak", "5.2", "Rated weak", 0, 4, "None of the four", (), "/weak/"
    )
    register = figure_register_create(
        subject=subject, label="Report", figures=[*figures_for(subject), none_behind]
    )
    figure_register_freeze(register=register, by=subject.lead)
    rows = figure_register_rows(register)
    assert rows[0].live_url == "/inspections/1/evidence/figures/5.2-Q18-good/"
    assert rows[1].live_url == ""  # no records page
    assert rows[2].live_url == "/weak/"  # nothing behind it, but the records still exist
    # Retention deletes the record-level data; the frozen register still explains the figure.
    references = rows[0].references
    SampleRecord.objects.filter(sample__activity=subject.activity).delete()
    rows = figure_register_rows(register)
    assert rows[0].live_url == rows[2].live_url == ""
    assert rows[0].references == references and rows[0].record_count == 2


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+44", "'+44"),
        ("-4 of 20", "'-4 of 20"),
        ("@cmd", "'@cmd"),
        ("Most records", "Most records"),
        (12, "12"),
    ],
)
def test_csv_safe(value, shown):
    assert csv_safe(value) == shown


def test_csv_neutralises_formula_cells(subject):
    register = figure_register_create(subject=subject, label="Report", figures=figures_for(subject))
    text = figure_register_csv(register).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "ID"
    method = next(row for row in rows if row[0] == "M-records")
    assert method[2] == '\'=HYPERLINK("http://evil.example")'
    assert method[5] == "'-4 of 20 records"
    good = next(row for row in rows if row[0] == "5.2-Q18-good")
    assert good[6] == "2"
    assert good[7] == "; ".join(r.record.reference for r in sample_records(subject)[:2])


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR])
def test_inspectorate_staff_see_the_register_and_its_csv(client, subject, role):
    register = figure_register_create(
        subject=subject, label="Report v1", figures=figures_for(subject)
    )
    login(client, person(role))
    page = client.get(reverse("reports:figure_register_detail", kwargs={"pk": register.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "5.2-Q18-good" in html and "Half of the LS/CMI assessments" in html
    assert 'href="/inspections/1/evidence/figures/5.2-Q18-good/"' in html
    download = client.get(reverse("reports:figure_register_csv", kwargs={"pk": register.pk}))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv"
    assert "attachment" in download["Content-Disposition"]


@pytest.mark.parametrize(
    "role", [Role.AUTHORITY_CONTACT, Role.HMICS_INSPECTOR, Role.PARTNERSHIP_MEMBER]
)
def test_people_outside_the_inspectorate_get_nothing(client, subject, role):
    register = figure_register_create(
        subject=subject, label="Report v1", figures=figures_for(subject)
    )
    login(client, person(role))
    for name in ("reports:figure_register_detail", "reports:figure_register_csv"):
        response = client.get(reverse(name, kwargs={"pk": register.pk}))
        assert response.status_code == 403
        assert "5.2-Q18-good" not in response.content.decode()
    # Nor can they tell which registers exist.
    assert (
        client.get(reverse("reports:figure_register_detail", kwargs={"pk": 999_999})).status_code
        == 403
    )


def test_frozen_register_page_shows_stored_references_once_records_are_gone(client, subject):
    register = figure_register_create(
        subject=subject, label="Report v1", figures=figures_for(subject)
    )
    figure_register_freeze(register=register, by=subject.lead)
    references = [r.record.reference for r in sample_records(subject)[:2]]
    SampleRecord.objects.filter(sample__activity=subject.activity).delete()
    login(client, person(Role.INSPECTOR))
    html = client.get(
        reverse("reports:figure_register_detail", kwargs={"pk": register.pk})
    ).content.decode()
    assert "Frozen" in html
    assert "/evidence/figures/5.2-Q18-good/" not in html
    assert all(reference in html for reference in references)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_an_inspector_reads_a_frozen_register(page, live_server, reference_data):
    import os

    from playwright.sync_api import expect

    from tests.e2e.helpers import assert_accessible, sign_in

    inspection = make_inspection()
    make_population(inspection, size=20)
    make_sample(inspection, size=4, reserve=0)
    register = figure_register_create(
        subject=inspection, label="Inspection report, version 1", figures=figures_for(inspection)
    )
    figure_register_freeze(register=register, by=inspection.lead)
    sign_in(page, live_server, person(Role.INSPECTOR))
    page.goto(f"{live_server.url}/documents/figure-registers/{register.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inspection report, version 1")
    expect(page.get_by_test_id("figure-register")).to_contain_text("5.2-Q18-good")
    assert_accessible(page)
    if os.environ.get("SCREENSHOTS_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOTS_DIR']}/figure_register.png", full_page=True)
