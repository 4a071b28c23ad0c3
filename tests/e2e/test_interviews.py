"""In Chromium: an inspector records an interview with a person on an order and sees the count;
the list, form and detail pages are accessible."""

import os

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from inspections.models import FieldworkEvent
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person
from tests.inspections.factories import assign, make_inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_inspector_records_an_interview_and_sees_the_count(
    page, live_server, reference_data, csp_violations
):
    inspection = make_inspection()
    inspector = assign(person(Role.INSPECTOR), "inspector", inspection)
    FieldworkEvent.objects.create(
        activity=inspection.activity,
        kind=FieldworkEvent.Kind.STAFF_FOCUS_GROUP,
        date=inspection.fieldwork_start,
        status=FieldworkEvent.Status.AGREED,
    )
    sign_in(page, live_server, inspector)
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/interviews/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Interviews and focus groups")
    expect(page.get_by_test_id("people-interviewed")).to_contain_text("0")
    assert_accessible(page)
    shot(page, "interview_list_empty")

    page.get_by_role("button", name="Record an interview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an interview")
    assert_accessible(page)
    page.get_by_role("button", name="Save interview").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    shot(page, "interview_form_errors")

    page.get_by_label("Day").fill("14")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2019")
    page.get_by_role("group", name="Has the person agreed").get_by_label("Yes").check()
    page.get_by_label("Supervision and unpaid work").check()
    page.get_by_label("5 – very good").check()
    page.get_by_label("The unpaid work placement").check()
    page.get_by_label("What made it harder").fill("Bus fares to the placement")
    shot(page, "interview_form")
    page.get_by_role("button", name="Save interview").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Interview P-001")
    expect(page.get_by_text("Bus fares to the placement")).to_be_visible()
    expect(page.get_by_text("5 (very good)")).to_be_visible()
    assert_accessible(page)
    shot(page, "interview_detail")

    page.get_by_role("link", name="Back to interviews").click()
    expect(page.get_by_test_id("people-interviewed")).to_contain_text("1")
    expect(page.get_by_test_id("people-interviewed")).to_contain_text("person interviewed")
    expect(page.get_by_role("link", name="P-001")).to_be_visible()
    assert_accessible(page)
    shot(page, "interview_list")

    page.get_by_role("link", name="Record outcome").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record who took part")
    assert_accessible(page)
    page.get_by_label("Justice social work staff").fill("7")
    page.get_by_label("Notes").fill("Staff valued peer support.")
    shot(page, "fieldwork_outcome")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_role("row", name="Focus group with staff").first).to_contain_text("7")
    assert_accessible(page)
    assert csp_violations == []
