"""The managers' dashboard: figures against hand-computed values on a small fixed data set,
summaries that follow every change, scope, filters and downloads (issue 8, ADR 0009).

The fixed data set: West Dunbartonshire (fieldwork 2019) and Inverclyde (fieldwork 2021), each
with a sample of ten records read once; WD's record 0 is double-read and moderated.

WD court report quality (cjswr_quality): 6 5 4 4 3 2 1 5 – –  → 8 rated, 5 good or better
IC court report quality:                 4 4 4 3 – – – – – –  → 4 rated, 3 good or better
WD lscmi_within_20_days: yes yes yes no no na yes – – –        → 5 of 6 (na left out): 4 yes
IC lscmi_within_20_days: yes yes no – …                        → 2 of 3
"""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from inspections.models import (
    Answer,
    Evaluation,
    EvaluationRecord,
    Inspection,
    ModeratedAnswer,
    Reading,
    SampleRecord,
)
from qi_framework.models import Question
from reports.dashboards.exports import Cell, Table, neutralise, table_csv, table_xlsx
from reports.dashboards.measures import MEASURE_BY_CODE
from reports.dashboards.summaries import summaries_refresh, summary_bump
from reports.models import ActivitySummary
from tests.factories import login, person
from tests.inspections.factories import assign, make_inspection, make_population, make_sample

pytestmark = pytest.mark.django_db

WD_QUALITY = [6, 5, 4, 4, 3, 2, 1, 5, None, None]
IC_QUALITY = [4, 4, 4, 3, None, None, None, None, None, None]
WD_LSCMI = ["yes", "yes", "yes", "no", "no", "na", "yes", None, None, None]
IC_LSCMI = ["yes", "yes", "no", None, None, None, None, None, None, None]
# LS/CMI quality for the cross-tab: WD 5 5 6 2 3 (with the timeliness above)
WD_LSCMI_QUALITY = [5, 5, 6, 2, 3, None, None, None, None, None]
URL = "/documents/dashboard/"


def question(inspection, code: str) -> Question:
    return Question.objects.get(version=inspection.activity.reading_instrument, code=code)


def answer(reading, q: Question, value, by) -> Answer:
    item = Answer(reading=reading, updated_by=by)
    item.set_value(q, value)
    item.save()
    return item


def build(authority: str, year: int, quality, lscmi, lscmi_quality=None):
    inspection = make_inspection(authority)
    Inspection.objects.filter(pk=inspection.pk).update(
        fieldwork_start=dt.date(year, 3, 1), fieldwork_end=dt.date(year, 4, 1)
    )
    make_population(inspection, size=30)
    sample = make_sample(inspection, size=10, reserve=5)
    records = list(
        sample.records.filter(role=SampleRecord.Role.SAMPLED)
        .select_related("record")
        .order_by("record__reference")
    )
    reader = assign(person(Role.INSPECTOR), "inspector", inspection)
    version = inspection.activity.reading_instrument
    codes = {
        "cjswr_quality": quality,
        "lscmi_within_20_days": lscmi,
        "lscmi_quality": lscmi_quality or [None] * 10,
    }
    questions = {code: question(inspection, code) for code in codes}
    readings = []
    for i, record in enumerate(records):
        reading = Reading.objects.create(
            sample_record=record, reader=reader, instrument_version=version
        )
        readings.append(reading)
        for code, values in codes.items():
            if values[i] is not None:
                answer(reading, questions[code], values[i], reader)
    inspection.refresh_from_db()
    inspection.records = records
    inspection.readings = readings
    inspection.reader = reader
    return inspection


@pytest.fixture
def data(reference_data):
    wd = build("west-dunbartonshire", 2019, WD_QUALITY, WD_LSCMI, WD_LSCMI_QUALITY)
    ic = build("inverclyde", 2021, IC_QUALITY, IC_LSCMI)
    return {"wd": wd, "ic": ic}


@pytest.fixture
def manager(client, reference_data):
    user = person(Role.MANAGER)
    login(client, user)
    return user


def section(response, key):
    return next(s for s in response.context["sections"] if s.key == key)


def headline(response, code):
    """Return (count, out of) of one measure in the headline table."""
    measure = MEASURE_BY_CODE[code]
    table = section(response, "readings").table("readings-headline")
    row = next(r for r in table.rows if r[0].value == measure.label)
    return row[1].value, row[2].value


def words(response, code):
    measure = MEASURE_BY_CODE[code]
    table = section(response, "readings").table("readings-headline")
    return next(r for r in table.rows if r[0].value == measure.label)[4].value


# --- Figures against hand-computed values -----------------------------------------------------


def test_headline_figures_match_hand_computed_values(client, manager, data):
    response = client.get(URL)
    assert response.status_code == 200
    assert headline(response, "court-report-quality") == (5 + 3, 8 + 4)
    # "not applicable" is left out of the denominator.
    assert headline(response, "lscmi-on-time") == (4 + 2, 6 + 3)
    assert words(response, "court-report-quality") == (
        "The majority of court reports (8 of 12) were good or better; fewer than five were weak or "
        "unsatisfactory."
    )
    assert "(6 of 9) were completed within 20 working days" in words(response, "lscmi-on-time")
    assert headline(response, "home-visits") == (0, 0)


def test_breakdown_by_area_matches_each_authority(client, manager, data):
    response = client.get(URL)
    table = section(response, "readings").table("readings-area-court-report-quality")
    rows = {r[0].value: (r[1].value, r[2].value) for r in table.rows}
    assert rows == {"Inverclyde": (3, 4), "West Dunbartonshire": (5, 8)}


def test_percentage_appears_from_the_minimum_denominator(client, manager, data, settings):
    settings.STATISTICS_MIN_DENOMINATOR = 5
    response = client.get(URL)
    table = section(response, "readings").table("readings-headline")
    row = next(r for r in table.rows if r[0].value == "Court report quality")
    assert row[3].value == "67%"  # 8 of 12


def test_crosstab_compares_quality_with_timeliness(client, manager, data):
    response = client.get(URL)
    result = section(response, "readings")
    table = result.table("crosstab-lscmi-quality-timeliness")
    rows = {r[0].value: (r[1].value, r[2].value) for r in table.rows}
    assert rows["5 very good"] == (2, 0)
    assert rows["6 excellent"] == (1, 0)
    assert rows["2 weak"] == (0, 1)
    assert rows["3 adequate"] == (0, 1)
    crosstab = next(
        c for c in result.context["crosstabs"] if c["crosstab"].code == "lscmi-quality-timeliness"
    )
    assert crosstab["words"] == (
        "A higher proportion of LS/CMI assessments rated very good or excellent were completed "
        "within 20 working days (3 of 3) than those rated adequate or weak (0 of 2)."
    )


def test_moderated_answer_counts_instead_of_the_first_reading(client, manager, data):
    wd = data["wd"]
    record = wd.records[6]  # first reading rated it 1
    ModeratedAnswer.objects.create(
        sample_record=record,
        question=question(wd, "cjswr_quality"),
        value_number=5,
        reason="Read again together",
        moderated_by=wd.lead,
    )
    response = client.get(URL)
    assert headline(response, "court-report-quality") == (9, 12)


def test_second_readings_and_replaced_records_do_not_count(client, manager, data):
    wd = data["wd"]
    other = assign(person(Role.INSPECTOR), "inspector", wd)
    second = Reading.objects.create(
        sample_record=wd.records[8],
        reader=other,
        order=Reading.Order.SECOND,
        instrument_version=wd.activity.reading_instrument,
    )
    answer(second, question(wd, "cjswr_quality"), 6, other)
    response = client.get(URL)
    assert headline(response, "court-report-quality") == (8, 12)
    record = wd.records[0]
    record.status = SampleRecord.Status.REPLACED
    record.save()
    response = client.get(URL)
    assert headline(response, "court-report-quality") == (7, 11)


# --- Summaries follow every change ------------------------------------------------------------


def test_changing_an_answer_shows_on_the_next_view(client, manager, data):
    from inspections.services.readings import answer_store

    wd = data["wd"]
    assert headline(client.get(URL), "court-report-quality") == (8, 12)
    answer_store(
        reading=wd.readings[5],  # rated 2
        question=question(wd, "cjswr_quality"),
        value=6,
        based_on_version=1,
        by=wd.reader,
    )
    assert headline(client.get(URL), "court-report-quality") == (9, 12)
    Answer.objects.get(reading=wd.readings[0], question__code="cjswr_quality").delete()
    assert headline(client.get(URL), "court-report-quality") == (8, 11)


def test_a_change_recomputes_only_its_own_activity(data):
    wd, ic = data["wd"], data["ic"]
    ids = [wd.activity_id, ic.activity_id]
    assert summaries_refresh(activity_ids=ids) == 2
    assert summaries_refresh(activity_ids=ids) == 0
    answer(wd.readings[8], question(wd, "cjswr_quality"), 4, wd.reader)
    assert summaries_refresh(activity_ids=ids) == 1
    summary = ActivitySummary.objects.get(activity=wd.activity)
    assert summary.computed_generation == summary.generation


def test_moderation_through_the_service_shows_on_the_next_view(client, manager, data):
    from inspections.services.moderation import moderation_record

    wd = data["wd"]
    record = wd.records[3]  # first reading rated it 4
    other = assign(person(Role.INSPECTOR), "inspector", wd)
    second = Reading.objects.create(
        sample_record=record,
        reader=other,
        order=Reading.Order.SECOND,
        instrument_version=wd.activity.reading_instrument,
    )
    answer(second, question(wd, "cjswr_quality"), 2, other)
    Reading.objects.filter(sample_record=record).update(status=Reading.Status.SUBMITTED)
    assert headline(client.get(URL), "court-report-quality") == (8, 12)
    moderation_record(
        sample_record=record,
        question=question(wd, "cjswr_quality"),
        raw_value="2",
        reason="Agreed at moderation",
        by=wd.lead,
    )
    assert headline(client.get(URL), "court-report-quality") == (7, 12)


def test_a_bump_during_a_refresh_is_not_lost(data):
    """A write that lands after a summary was read leaves it out of date, never current."""
    wd = data["wd"]
    summaries_refresh(activity_ids=[wd.activity_id])
    summary_bump(activity_id=wd.activity_id)
    summary = ActivitySummary.objects.get(activity=wd.activity)
    assert not summary.is_current
    summaries_refresh(activity_ids=[wd.activity_id])
    assert ActivitySummary.objects.get(activity=wd.activity).is_current


def test_agreed_grades_show_on_the_next_view(client, manager, data):
    wd = data["wd"]
    qi = wd.qis.filter(evaluated=True).select_related("quality_indicator").first()
    code = qi.quality_indicator.code
    Evaluation.objects.create(inspection=wd, quality_indicator=qi.quality_indicator, grade=5)
    response = client.get(URL)
    # Not agreed yet: not counted.
    assert section(response, "grades").context["count"] == 0
    EvaluationRecord.objects.create(inspection=wd, locked_at=dt.datetime.now(dt.UTC))
    response = client.get(URL)
    grades = section(response, "grades")
    row = grades.table("grades-distribution").rows[0]
    assert row[0].value.startswith(code)
    assert [c.value for c in row[1:7]] == [0, 1, 0, 0, 0, 0]  # one 5
    heat = grades.table("grades-heatmap")
    assert heat.columns == ["Local authority", "2019", "2021"]
    wd_row = next(r for r in heat.rows if r[0].value == "West Dunbartonshire")
    assert wd_row[1].value == 5
    assert wd_row[1].href == reverse("inspections:evaluation_list", args=[wd.pk])
    assert (
        "evaluations of QI " + code + " (1 of 1) were good or better" in grades.context["words"][0]
    )


# --- Programme --------------------------------------------------------------------------------


def test_programme_counts_statuses_and_lists_what_is_late_or_due(client, manager, data):
    wd, ic = data["wd"], data["ic"]
    today = dt.date.today()
    Inspection.objects.filter(pk=wd.pk).update(
        status=Inspection.Status.REPORTING, target_publication=today - dt.timedelta(days=3)
    )
    Inspection.objects.filter(pk=ic.pk).update(
        status=Inspection.Status.PLANNED, self_evaluation_due=today + dt.timedelta(days=10)
    )
    result = section(client.get(URL), "programme")
    status = {r[0].value: r[1].value for r in result.table("programme-status").rows}
    assert status["Reporting"] == 1 and status["Planned"] == 1 and status["Total"] == 2
    due = result.table("programme-due").rows
    assert [(r[0].value, r[2].value, r[4].value) for r in due] == [
        (wd.title, "Publication of the report", "Late"),
        (ic.title, "Self-evaluation", "Due soon"),
    ]
    table = result.table("programme-years")
    assert table.columns == ["Status", "2019", "2021", "Total"]
    rows = {r[0].value: [c.value for c in r[1:]] for r in table.rows}
    assert rows["Reporting"] == [1, 0, 1]
    assert rows["Planned"] == [0, 1, 1]
    assert rows["Total"] == [1, 1, 2]


# --- Filters ----------------------------------------------------------------------------------


def test_filters_by_area_and_period(client, manager, data):
    ic = data["ic"]
    response = client.get(URL, {"authority": ic.activity.authority_id})
    assert headline(response, "court-report-quality") == (3, 4)
    response = client.get(URL, {"year_from": 2018, "year_to": 2019})
    assert headline(response, "court-report-quality") == (5, 8)
    response = client.get(URL, {"year_from": 2021})
    assert headline(response, "court-report-quality") == (3, 4)


def test_a_period_that_ends_before_it_starts_is_refused(client, manager, data):
    response = client.get(URL, {"year_from": 2021, "year_to": 2019})
    assert "The end of the period must be the same as or after its start" in response.text
    # The valid half of the filters still applies.
    assert headline(response, "court-report-quality") == (3, 4)


def test_another_kind_of_scrutiny_hides_the_inspection_sections(client, manager, data):
    response = client.get(URL, {"kind": "throughcare_review"})
    assert [s.key for s in response.context["sections"]] == ["reviews"]


# --- Scope ------------------------------------------------------------------------------------


def test_inspector_sees_only_the_inspections_whose_team_they_are_on(client, data):
    wd = data["wd"]
    login(client, wd.lead)
    response = client.get(URL)
    assert [i.pk for i in response.context["scope"].inspections] == [wd.pk]
    assert headline(response, "court-report-quality") == (5, 8)
    # Asking for the other authority gives nothing rather than its figures.
    response = client.get(URL, {"authority": data["ic"].activity.authority_id})
    assert response.context["scope"].inspections == []
    assert headline(response, "court-report-quality") == (0, 0)
    records = client.get(
        reverse("reports:dashboard_records", args=["measure", "court-report-quality"])
    )
    references = {r.record.reference for r in records.context["records"]}
    assert references and all(
        r.sample.activity_id == wd.activity_id for r in records.context["records"]
    )
    csv_response = client.get(
        reverse("reports:dashboard_table", args=["readings", "readings-by-area", "csv"])
    )
    assert "Inverclyde" not in csv_response.content.decode()


def test_inspector_on_no_team_sees_no_figures(client, data):
    login(client, person(Role.INSPECTOR))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["scope"].inspections == []
    assert headline(response, "court-report-quality") == (0, 0)


@pytest.mark.parametrize("role", [Role.AUTHORITY_CONTACT, Role.LOCAL_COORDINATOR])
def test_authority_staff_get_nothing(client, data, role):
    login(client, person(role, "west-dunbartonshire"))
    assert client.get(URL).status_code == 403
    assert (
        client.get(
            reverse("reports:dashboard_table", args=["readings", "readings-headline", "csv"])
        ).status_code
        == 403
    )
    assert (
        client.get(
            reverse("reports:dashboard_records", args=["measure", "court-report-quality"])
        ).status_code
        == 403
    )


def test_navigation_shows_the_dashboard_to_managers_only_of_these(client, data):
    login(client, person(Role.MANAGER))
    assert 'href="/documents/dashboard/"' in client.get("/").text
    client.logout()
    login(client, person(Role.AUTHORITY_CONTACT, "west-dunbartonshire"))
    assert 'href="/documents/dashboard/"' not in client.get("/").text


# --- The records behind a figure --------------------------------------------------------------


def test_records_behind_a_figure_are_the_ones_counted(client, manager, data):
    wd = data["wd"]
    url = reverse("reports:dashboard_records", args=["measure", "court-report-quality"])
    response = client.get(url, {"authority": wd.activity.authority_id})
    assert response.status_code == 200
    expected = {wd.records[i].record.reference for i in (0, 1, 2, 3, 7)}
    assert {r.record.reference for r in response.context["records"]} == expected
    assert reverse("inspections:reading_update", args=[wd.readings[0].pk]) in response.text
    counted = client.get(url, {"authority": wd.activity.authority_id, "outcome": "counted"})
    assert counted.context["paginator"].count == 8


def test_records_behind_a_crosstab_cell(client, manager, data):
    wd = data["wd"]
    url = reverse("reports:dashboard_records", args=["crosstab", "lscmi-quality-timeliness"])
    response = client.get(url, {"grade": "5", "answer": "yes"})
    assert {r.record.reference for r in response.context["records"]} == {
        wd.records[0].record.reference,
        wd.records[1].record.reference,
    }
    assert client.get(url, {"grade": "9", "answer": "yes"}).status_code == 404
    assert (
        client.get(reverse("reports:dashboard_records", args=["measure", "nonsense"])).status_code
        == 404
    )


def test_dashboard_figures_link_to_their_records(client, manager, data):
    response = client.get(URL)
    table = section(response, "readings").table("readings-headline")
    href = table.rows[0][1].href
    assert href.startswith(
        reverse("reports:dashboard_records", args=["measure", "court-report-quality"])
    )
    assert client.get(href).context["paginator"].count == 8


# --- Downloads --------------------------------------------------------------------------------


def test_neutralise_defuses_formula_cells_and_keeps_numbers():
    assert neutralise('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    for text in ("+1", "-1+2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("Inverclyde") == "Inverclyde"
    assert neutralise(-3) == -3


def test_csv_and_xlsx_never_hold_a_formula():
    table = Table("t", "Test table", ["Name", "Count"])
    table.add(Cell("=1+2"), -4)
    table.add("@cmd", 5)
    rows = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig"))))
    assert rows == [["Name", "Count"], ["'=1+2", "-4"], ["'@cmd", "5"]]
    sheet = load_workbook(io.BytesIO(table_xlsx(table))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Name", "Count"],
        ["'=1+2", -4],
        ["'@cmd", 5],
    ]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_download_a_table_as_csv_and_xlsx(client, manager, data):
    wd = data["wd"]
    Inspection.objects.filter(pk=wd.pk).update(
        title='=HYPERLINK("http://evil.example")',
        status=Inspection.Status.FIELDWORK,
        fieldwork_end=dt.date.today() - dt.timedelta(days=1),
    )
    url = reverse("reports:dashboard_table", args=["programme", "programme-due", "csv"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="programme-due.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Inspection", "Local authority", "What is due", "Date", "State"]
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'
    xlsx = client.get(
        reverse("reports:dashboard_table", args=["readings", "readings-headline", "xlsx"]),
        {"authority": wd.activity.authority_id},
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Measure", "Count", "Out of", "Percentage", "In words"]
    assert values[1][:3] == ["Court report quality", 5, 8]
    assert (
        client.get(
            reverse("reports:dashboard_table", args=["readings", "nonsense", "csv"])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("reports:dashboard_table", args=["readings", "readings-headline", "pdf"])
        ).status_code
        == 404
    )


def test_every_table_on_the_page_can_be_downloaded(client, manager, data):
    response = client.get(URL)
    for result in response.context["sections"]:
        for table in result.tables:
            url = reverse("reports:dashboard_table", args=[result.key, table.key, "csv"])
            assert client.get(url).status_code == 200, table.key


def test_a_new_activity_has_its_summary_from_the_start(reference_data):
    inspection = make_inspection("inverclyde")
    summary = ActivitySummary.objects.get(activity=inspection.activity)
    assert not summary.is_current  # computed on the first view that needs it


def test_deleting_a_reading_with_its_answers_moves_the_figure(client, manager, data):
    wd = data["wd"]
    assert headline(client.get(URL), "court-report-quality") == (8, 12)
    reading = wd.readings[0]  # rated 6
    reading.delete()
    assert headline(client.get(URL), "court-report-quality") == (7, 11)


def test_the_page_says_whose_work_it_covers(client, data):
    login(client, person(Role.MANAGER))
    assert "Figures across every piece of work." in client.get(URL).text
    login(client, data["wd"].lead)
    assert "Figures across the inspections whose team you are on." in client.get(URL).text
