"""In Chromium: an administrator reads an instrument, copies it, edits a draft question and
checks the public holidays; every page accessible."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_copies_an_instrument_and_edits_a_draft(
    page, live_server, framework, csp_violations
):
    sign_in(page, live_server, person(Role.ADMINISTRATOR))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Instruments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Instruments")
    assert_accessible(page)

    page.get_by_role("link", name="Version 1 of CPO file-reading tool").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CPO file-reading tool")
    expect(page.get_by_text("LS/CMI completed within 20 working days", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Copy to a new draft version").click()
    expect(page.get_by_role("button", name="Publish version 2")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Edit question intensity", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit a question")
    assert_accessible(page)
    page.get_by_label("Question").fill("Intensity of supervision")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_text("Question “intensity” has been saved.")).to_be_visible()

    page.get_by_role("link", name="Instruments").first.click()
    page.get_by_role("link", name="Public holidays used to count working days").click()
    page.get_by_role("link", name="2020").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Public holidays 2020")
    expect(page.get_by_text("Friday 8 May 2020")).to_be_visible()
    assert_accessible(page)
    assert csp_violations == []
