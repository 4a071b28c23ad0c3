"""In Chromium: a manager opens the dashboard on generated demo data, filters it to one local
authority, follows a figure to the records behind it, and downloads a table; every page
visited is accessible (axe-core)."""

import csv
import io
import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import Organisation, Role
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_manager_filters_the_dashboard_and_downloads_a_table(
    page, live_server, reference_data, csp_violations
):
    call_command("generate_demo_data", scale="small", stdout=io.StringIO())
    manager = person(Role.MANAGER)
    sign_in(page, live_server, manager)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_test_id("scope-count")).to_have_text("12 inspections in the filters chosen.")
    assert_accessible(page)
    shot(page, "dashboard")

    authority = Organisation.objects.filter(kind="local_authority").order_by("name").first()
    page.get_by_label("Local authority").select_option(label=authority.name)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("scope-count")).to_have_text("3 inspections in the filters chosen.")
    area = page.get_by_test_id("table-readings-area-court-report-quality")
    expect(area.locator("tbody tr")).to_have_count(1)
    expect(area.locator("tbody th")).to_have_text(authority.name)
    assert_accessible(page)
    shot(page, "dashboard_filtered")

    # The figure links to the records behind it: as many as it counts.
    headline = page.get_by_test_id("table-readings-headline")
    count_link = headline.locator("tbody tr").first.locator("td a").first
    count = int(count_link.inner_text().replace(",", ""))
    count_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Records behind the figure")
    expect(page.get_by_test_id("records-count")).to_contain_text(f"{count} sampled record")
    assert_accessible(page)
    shot(page, "dashboard_records")
    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.get_by_test_id("scope-count")).to_have_text("3 inspections in the filters chosen.")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV file of Headline measures from record reading").click()
    download = download_info.value
    assert download.suggested_filename == "readings-headline.csv"
    with open(download.path(), encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["Measure", "Count", "Out of", "Percentage", "In words"]
    assert rows[1][0] == "Court report quality" and rows[1][1] == str(count)
    assert not csp_violations
