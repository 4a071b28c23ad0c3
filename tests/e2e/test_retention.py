"""In Chromium: after a retention run, a manager reads the runs, a run's report, and the pages
whose records are gone (the inspection, the records behind a dashboard figure, the frozen
register); every page is accessible (axe-core)."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from retention import services
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person
from tests.retention.test_retention import age, build, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_the_retention_runs_and_the_pages_whose_records_are_gone(
    page, live_server, framework, csp_violations
):
    old = build("west-dunbartonshire")
    old.version = publish(old, days_ago=800)
    age(services.retention_dry_run(), days=8)
    services.retention_delete()
    sign_in(page, live_server, person(Role.MANAGER))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Retention").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retention of record-level data")
    assert_accessible(page)
    page.get_by_role("link", name="Deletion run").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Deletion run")
    expect(page.get_by_role("main")).to_contain_text(old.title)
    assert_accessible(page)

    page.goto(f"{live_server.url}/inspections/{old.pk}/")
    expect(page.get_by_role("main")).to_contain_text("Record-level data deleted on")
    assert_accessible(page)

    page.goto(f"{live_server.url}/documents/dashboard/records/measure/court-report-quality/")
    notices = page.get_by_test_id("retention-notices")
    expect(notices).to_contain_text("under the retention policy")
    assert_accessible(page)
    notices.get_by_role("link", name="See the frozen figure register").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(old.title)
    expect(page.get_by_role("main")).to_contain_text("was deleted on")
    assert_accessible(page)
