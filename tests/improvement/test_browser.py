"""In Chromium: the authority contact adds an action to their plan and a progress update with
evidence; the link inspector signs the element off. axe-core on every page visited."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from improvement.models import PlanElement
from tests.core.sample_files import pdf
from tests.e2e.helpers import assert_accessible, sign_in
from tests.improvement.factories import make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contact_adds_an_action_and_the_link_inspector_signs_it_off(
    page, browser, browser_context_args, live_server, reference_data, tmp_path, csp_violations
):
    setup = make_plan()
    authority = setup.plan.inspection.activity.authority.name
    due = dt.date.today() + dt.timedelta(days=120)

    # The authority contact finds the plan and adds an action to the first recommendation.
    sign_in(page, live_server, setup.contact)
    page.goto(f"{live_server.url}/improvement/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(re.escape(authority))).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Improvement plan: {authority}")
    assert_accessible(page)
    page.screenshot(path=str(tmp_path / "plan.png"), full_page=True)
    page.get_by_role("link", name="Recommendation 1").click()
    assert_accessible(page)
    page.get_by_role("link", name="Add an action").click()
    assert_accessible(page)
    page.get_by_role("button", name="Save the action").click()
    expect(page.get_by_role("link", name="Describe the action")).to_be_visible()  # error summary
    assert_accessible(page)
    page.get_by_label("What will be done?").fill("Audit LS/CMI timeliness every month.")
    page.get_by_label("Who owns the action?").fill("Jo Service Manager")
    page.get_by_label("Owner’s email address (optional)").fill("jo@council.example")
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year").fill(str(due.year))
    page.screenshot(path=str(tmp_path / "action_form.png"), full_page=True)
    page.get_by_role("button", name="Save the action").click()
    expect(page.get_by_text("The action has been added to the plan.")).to_be_visible()
    expect(page.get_by_text("Audit LS/CMI timeliness every month.")).to_be_visible()
    expect(page.get_by_text(due.strftime("%-d %B %Y"))).to_be_visible()
    assert_accessible(page)

    # ...and records progress with an evidence file, which passes the upload pipeline's checks.
    evidence = tmp_path / "march-audit.pdf"
    evidence.write_bytes(pdf())
    page.get_by_role("link", name="Add progress on action 1").click()
    assert_accessible(page)
    page.get_by_label("What progress has been made?").fill("The March audit is done.")
    page.get_by_label("Evidence file (optional)").set_input_files(str(evidence))
    page.screenshot(path=str(tmp_path / "progress_form.png"), full_page=True)
    page.get_by_role("button", name="Add the progress update").click()
    expect(page.get_by_text("Your progress update has been added.")).to_be_visible()
    expect(page.get_by_text("Virus check passed")).to_be_visible()
    expect(page.get_by_role("link", name="march-audit.pdf")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(tmp_path / "element_contact.png"), full_page=True)

    # The link inspector reviews it and signs the element off.
    inspector_page = browser.new_context(**browser_context_args).new_page()
    sign_in(inspector_page, live_server, setup.link)
    inspector_page.goto(f"{live_server.url}/improvement/{setup.plan.pk}/")
    assert_accessible(inspector_page)
    inspector_page.get_by_role("link", name="Recommendation 1").click()
    expect(inspector_page.get_by_text("Audit LS/CMI timeliness every month.")).to_be_visible()
    expect(inspector_page.get_by_role("link", name="march-audit.pdf")).to_be_visible()
    assert_accessible(inspector_page)
    inspector_page.get_by_role("link", name="Mark as addressed").click()
    assert_accessible(inspector_page)
    inspector_page.get_by_label("Comment (optional)").fill("Audit results seen and sustained.")
    inspector_page.get_by_role("button", name="Mark as addressed").click()
    expect(inspector_page.get_by_text("Recommendation 1 is marked as addressed.")).to_be_visible()
    expect(inspector_page.get_by_text("Audit results seen and sustained.")).to_be_visible()
    assert_accessible(inspector_page)
    inspector_page.screenshot(path=str(tmp_path / "element_signed_off.png"), full_page=True)

    element = PlanElement.objects.get(plan=setup.plan, recommendation__position=1,
                                      recommendation__kind="recommendation")  # fmt: skip
    assert element.status == PlanElement.Status.ADDRESSED and element.addressed_by == setup.link

    # Back on the contact's page, the element is addressed and can no longer be changed.
    page.reload()
    expect(page.get_by_text("signed off as addressed")).to_be_visible()
    expect(page.get_by_role("link", name="Add an action")).to_have_count(0)
    assert not csp_violations
    print(f"screenshots in {tmp_path}")
