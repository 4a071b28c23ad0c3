"""In Chromium: a lead records the agreed grades, writes the capacity statement, agrees (the
grades lock) and adds a recommendation tied to 5.2; every page visited is accessible."""

import os

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, sign_in
from tests.inspections.factories import make_inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")
EVALUATED = ["1.1", "2.1", "5.2", "5.3", "9.4"]


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_lead_agrees_grades_and_adds_a_recommendation(
    page, live_server, reference_data, csp_violations
):
    inspection = make_inspection()
    sign_in(page, live_server, inspection.lead)
    list_url = f"{live_server.url}/inspections/{inspection.pk}/evaluations/"
    page.goto(list_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluations")
    assert_accessible(page)
    shot(page, "evaluation_list_empty")

    # Agreeing too early lists what is missing.
    page.get_by_role("button", name="Agree the grades").click()
    expect(page.get_by_test_id("missing")).to_contain_text("9.4")
    assert_accessible(page)
    page.get_by_role("link", name="Back").click()

    for position, code in enumerate(EVALUATED):
        page.get_by_role("link", name=f"Record agreed grade for {code}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Record the agreed grade")
        if position == 0:
            assert_accessible(page)
            shot(page, "evaluation_record")
        page.get_by_label("4 – ").check()
        page.get_by_label("Rationale").fill(f"Evidence for {code} was **mostly** good.")
        page.get_by_label("Strengths").fill("Committed staff")
        page.get_by_role("button", name="Save evaluation").click()
        expect(page.get_by_test_id(f"agreed-{code}")).to_have_text("4 – Good")

    page.get_by_role("button", name="Write the capacity statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Capacity for improvement")
    assert_accessible(page)
    page.get_by_label("Capacity for improvement statement").fill(
        "We are confident the partnership can improve."
    )
    page.get_by_role("button", name="Save statement").click()
    expect(page.get_by_test_id("capacity")).to_contain_text("We are confident")

    page.get_by_role("button", name="Agree the grades").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agree the grades")
    assert_accessible(page)
    shot(page, "evaluation_agree")
    page.get_by_role("button", name="Agree and lock the grades").click()
    expect(page.get_by_test_id("locked-banner")).to_contain_text("are locked")
    expect(page.get_by_role("link", name="Record agreed grade for 1.1")).to_have_count(0)
    assert_accessible(page)
    shot(page, "evaluation_list_locked")

    page.get_by_role("link", name="See and change recommendations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Recommendations and areas for improvement"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Add a recommendation or area for improvement").click()
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Recommendation", exact=True).check()
    page.get_by_label("Text").fill("Improve the quality of risk assessment <b>now</b>.")
    page.get_by_label("5.2 ").check()
    shot(page, "recommendation_form")
    page.get_by_role("button", name="Save").click()
    recommendation = page.get_by_test_id("recommendation")
    expect(recommendation).to_contain_text("<b>now</b>")
    expect(recommendation).to_contain_text("Concerns: 5.2")
    assert_accessible(page)
    shot(page, "recommendation_list")
    assert csp_violations == []
