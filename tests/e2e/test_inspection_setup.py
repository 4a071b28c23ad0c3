"""In Chromium: an inspector sets up an inspection, adds an associate assessor and sees the task
list; the authority's contact adds an event and grades a QI; every page accessible."""

import os

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from inspections.models import Inspection
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def fill_date(page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_inspector_sets_up_an_inspection_and_builds_the_team(
    page, live_server, framework, csp_violations
):
    inspector = person(Role.INSPECTOR, name="Morag Inspector")
    assessor = person(Role.AUTHORITY_CONTACT, "inverclyde", name="Alasdair Assessor")
    sign_in(page, live_server, inspector)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inspections").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inspections")
    assert_accessible(page)
    shot(page, "inspection_list_empty")

    page.get_by_role("button", name="Set up an inspection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an inspection")
    assert_accessible(page)
    page.get_by_label("Local authority").select_option(label="West Dunbartonshire")
    page.get_by_label("Integration joint board").check()
    fill_date(page, "Last day of fieldwork", "1", "11", "2019")  # before the first: refused
    fill_date(page, "First day of fieldwork", "4", "11", "2019")
    page.get_by_role("button", name="Create inspection").click()
    expect(page.get_by_role("alert").get_by_text("must be the same as or after")).to_be_visible()
    assert_accessible(page)
    shot(page, "inspection_form_errors")
    fill_date(page, "Last day of fieldwork", "13", "12", "2019")
    fill_date(page, "Notice to the authority", "2", "9", "2019")
    fill_date(page, "Self-evaluation due", "14", "10", "2019")
    page.get_by_role("button", name="Create inspection").click()

    title = "Inspection of justice social work services in West Dunbartonshire"
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("4 November 2017 to 3 November 2019")).to_be_visible()
    tasks = page.locator(".govuk-task-list")
    expect(tasks.get_by_role("link", name="Team")).to_be_visible()
    expect(tasks.locator("li", has_text="Sample")).to_contain_text("Cannot start yet")
    assert_accessible(page)
    shot(page, "inspection_detail")

    tasks.get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    assert_accessible(page)
    page.get_by_role("link", name="Add an associate assessor").click()
    assert_accessible(page)
    page.get_by_label("Who will be an associate assessor?").select_option(label=assessor.name)
    page.get_by_role("button", name="Add to the team").click()
    expect(
        page.get_by_text("Alasdair Assessor has been added as associate assessor.")
    ).to_be_visible()
    shot(page, "inspection_team")
    assert_accessible(page)

    page.get_by_role("link", name="Back").click()
    page.locator(".govuk-task-list").get_by_role("link", name="Fieldwork timetable").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fieldwork timetable")
    assert_accessible(page)
    page.get_by_role("button", name="Add an event").click()
    assert_accessible(page)
    page.get_by_label("What is it?").select_option(label="Focus group with staff")
    fill_date(page, "Date", "12", "11", "2019")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Place").fill("Church Street, Dumbarton")
    page.get_by_label("Justice social work staff").check()
    page.get_by_role("button", name="Add event").click()
    expect(page.get_by_role("cell", name="Church Street, Dumbarton")).to_be_visible()
    shot(page, "fieldworkevent_list")
    assert_accessible(page)

    page.get_by_role("link", name="Back").click()
    page.locator(".govuk-task-list").get_by_role("link", name="Self-evaluation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Self-evaluation")
    assert_accessible(page)
    assert Inspection.objects.get().status == Inspection.Status.PLANNED
    assert csp_violations == []


def test_authority_contact_grades_a_qi(page, live_server, framework, csp_violations):
    from tests.inspections.factories import make_inspection

    inspection = make_inspection()
    contact = person(Role.AUTHORITY_CONTACT, name="Catriona Contact")
    sign_in(page, live_server, contact)
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/")
    assert_accessible(page)
    page.locator(".govuk-task-list").get_by_role("link", name="Self-evaluation").click()
    page.get_by_role("link", name="Change your self-evaluation of 5.2").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("5.2")
    assert_accessible(page)
    page.get_by_label("4 – Good").check()
    page.get_by_label("Your evaluation").fill("Assessments are timely.\n\n- LS/CMI within 20 days")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your self-evaluation of 5.2 has been saved.")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="LS/CMI within 20 days")).to_be_visible()
    shot(page, "selfassessment_list")
    assert_accessible(page)
    assert csp_violations == []
