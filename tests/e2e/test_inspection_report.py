"""In Chromium, with a real Celery worker: a lead agrees the grades, records the verbal feedback,
asks for a draft of the report and downloads it once the worker has made it; a manager checks
what will be published and publishes; the authority's contact then sees the published version
only. axe-core on every page visited."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from inspections import services
from inspections.models import Inspection, ReportVersion
from qi_framework.models import QualityIndicator
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person
from tests.inspections.factories import make_inspection

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")
GRADES = {"1.1": 2, "2.1": 3, "5.2": 2, "5.3": 2, "9.4": 2}


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_lead_agrees_grades_downloads_a_draft_and_a_manager_publishes(
    page, browser, browser_context_args, live_server, reference_data, celery_worker,
    csp_violations,
):  # fmt: skip
    inspection = make_inspection()
    lead = inspection.lead
    manager = person(Role.MANAGER, name="Morven Manager")
    contact = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire", name="Ailsa Contact")
    framework = inspection.activity.framework
    for code, grade in GRADES.items():
        services.evaluation_record(
            inspection=inspection,
            quality_indicator=QualityIndicator.objects.get(framework=framework, code=code),
            grade=grade,
            rationale=f"The evidence for {code}.",
            by=lead,
        )
    services.capacity_statement_save(inspection=inspection, text="Not yet confident.", by=lead)
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.REPORTING)

    # The lead agrees and locks the grades.
    sign_in(page, live_server, lead)
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/evaluations/agree/")
    page.get_by_role("button", name="Agree and lock the grades").click()
    expect(page.get_by_test_id("locked-banner")).to_contain_text("are locked")

    # The lead records the verbal feedback given after fieldwork.
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/verbal-feedback/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verbal feedback")
    assert_accessible(page)
    page.get_by_role("button", name="Record verbal feedback").click()
    assert_accessible(page)
    page.get_by_role("button", name="Save verbal feedback").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    shot(page, "verbal_feedback_form_errors")
    page.get_by_label("Day").fill("16")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2019")
    page.get_by_label("Who gave the feedback").fill("The lead inspector")
    page.get_by_label("Points made").fill("- Strong relationships\n- Reviews need attention")
    page.get_by_role("button", name="Save verbal feedback").click()
    expect(page.get_by_test_id("verbal-feedback")).to_contain_text("16 December 2019")
    shot(page, "verbal_feedback_list")

    # The lead asks for a draft and downloads it once the worker has made it.
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/report/versions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report versions and publication")
    assert_accessible(page)
    page.get_by_role("button", name="Make a draft PDF").click()
    expect(page.get_by_test_id("version-status-1")).to_have_text("Draft")
    page.evaluate("() => { window.stillTheSamePage = true; }")
    expect(page.get_by_test_id("pdf-state-1")).to_have_text("Ready", timeout=120_000)
    assert page.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"
    assert_accessible(page)
    shot(page, "report_version_list_draft")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF of version 1").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-version-1-draft.pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    if SCREENSHOTS:
        download.save_as(f"{SCREENSHOTS}/draft.pdf")
    expect(page.get_by_role("button", name=re.compile("^Publish"))).to_have_count(0)

    # A manager checks what will be published and publishes.
    manager_page = browser.new_context(**browser_context_args).new_page()
    sign_in(manager_page, live_server, manager)
    manager_page.goto(f"{live_server.url}/inspections/{inspection.pk}/report/versions/")
    manager_page.get_by_role("button", name="Publish").click()
    expect(manager_page.get_by_role("heading", level=1)).to_have_text(
        "Approve and publish the report"
    )
    expect(manager_page.get_by_test_id("preview")).to_contain_text("2 – Weak")
    assert_accessible(manager_page)
    shot(manager_page, "report_version_publish")
    manager_page.get_by_role("button", name="Approve and publish the report").click()
    expect(manager_page.get_by_test_id("version-status-2")).to_have_text("Published")
    expect(manager_page.get_by_test_id("pdf-state-2")).to_have_text("Ready", timeout=120_000)
    expect(manager_page.get_by_test_id("sha256-2")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(manager_page.get_by_test_id("feedback-sent")).to_contain_text("1 person")
    assert_accessible(manager_page)
    shot(manager_page, "report_version_list_published")
    version = ReportVersion.objects.get(number=2)
    assert version.sha256 == version.document.sha256
    assert version.figure_register.is_frozen

    # The manager can publish a correction only with a reason.
    manager_page.get_by_role("button", name="Publish a new version").click()
    manager_page.get_by_role("button", name="Publish the new version").click()
    expect(manager_page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why this new version replaces the published report"
    )
    assert_accessible(manager_page)
    shot(manager_page, "report_version_publish_new")

    # The authority's contact sees the published version only, and downloads it.
    contact_page = browser.new_context(**browser_context_args).new_page()
    sign_in(contact_page, live_server, contact)
    contact_page.goto(f"{live_server.url}/inspections/{inspection.pk}/report/versions/")
    expect(contact_page.get_by_test_id("version-row")).to_have_count(1)
    expect(contact_page.get_by_test_id("version-status-2")).to_have_text("Published")
    assert_accessible(contact_page)
    shot(contact_page, "report_version_list_authority")
    with contact_page.expect_download() as download_info:
        contact_page.get_by_role("link", name="Download the PDF of version 2").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF-")
    assert csp_violations == []
