"""In Chromium, with a real Celery worker: a manager starts an overview report for a period,
writes its key messages, asks for the PDF and watches it become ready; every page is
accessible (axe-core)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from reports.models import Document, OverviewReport
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person
from tests.reports.test_overview import SMALL, make_area_inspection

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _date(page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_a_manager_makes_the_overview_report_for_a_period(
    page, live_server, framework, celery_worker, csp_violations
):
    for area in SMALL:
        make_area_inspection(area)
    manager = person(Role.MANAGER)
    sign_in(page, live_server, manager)

    page.get_by_role("link", name="Overview reports").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview reports")
    assert_accessible(page)
    page.get_by_role("button", name="Start an overview report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start an overview report")
    assert_accessible(page)

    # A period that ends before it starts is refused, on the end date.
    page.get_by_label("Title").fill("Justice overview report 2019 to 2020")
    _date(page, "Start of the period", "1", "1", "2021")
    _date(page, "End of the period", "31", "12", "2020")
    page.get_by_role("button", name="Start the overview report").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be the same as or after")
    assert_accessible(page)
    _date(page, "Start of the period", "1", "1", "2019")
    page.get_by_role("button", name="Start the overview report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Justice overview report 2019 to 2020"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Write the report’s text").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The report’s text")
    assert_accessible(page)
    page.get_by_label("Key messages").fill("- Relationships with staff are often transformative.")
    page.get_by_role("button", name="Save the report’s text").click()
    expect(page.locator(".app-narrative").first).to_contain_text("often transformative")

    page.get_by_role("button", name="Make the PDF with the latest data and text").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Justice overview report 2019 to 2020"
    )
    state = page.locator("#document-status [data-state]")
    expect(state).to_have_text("Ready", timeout=120_000)
    assert_accessible(page)

    report = OverviewReport.objects.get()
    document = Document.objects.get(kind="overview_report")
    assert document.subject == report and document.version == report.revision == 2
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download the PDF")).click()
    assert download_info.value.suggested_filename == (
        "justice-overview-report-2019-to-2020-revision-2.pdf"
    )

    page.goto(f"{live_server.url}/documents/overview/{report.pk}/")
    expect(page.get_by_test_id("overview-document")).to_contain_text("Ready")
    assert_accessible(page)
    assert csp_violations == []
