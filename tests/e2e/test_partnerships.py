"""In Chromium: a partnership member drafts answers, uploads evidence and submits; the strategic
inspector asks for a change to one QI; the member resubmits; the inspector validates and
publishes the letter, which a real worker renders; the member downloads it. axe-core on every
page visited."""

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Organisation, Role
from partnerships import services
from partnerships.models import Exercise
from tests.core.sample_files import pdf
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _open_qi(page, code: str) -> None:
    page.get_by_role("link", name=re.compile(rf"^{re.escape(code)} ")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)


def test_draft_submit_change_resubmit_validate_and_download_the_letter(
    page, browser, browser_context_args, live_server, framework, celery_worker, tmp_path,
    csp_violations,
):  # fmt: skip
    partnership = Organisation.objects.get(slug="shetland-community-justice-partnership")
    inspector = person(Role.INSPECTOR, name="Iona Strategic")
    member = person(Role.PARTNERSHIP_MEMBER, partnership.slug, name="Magnus Member")
    exercise = services.exercise_create(
        partnership=partnership, title="Shetland self-evaluation", start_date=dt.date(2019, 9, 2),
        framework=framework, strategic_inspector=inspector,
    )  # fmt: skip
    services.exercise_transition(exercise=exercise, to="drafting", by=inspector)
    evidence = tmp_path / "board-minutes.pdf"
    evidence.write_bytes(pdf())

    # The member drafts every QI and links evidence to one claim.
    sign_in(page, live_server, member)
    page.goto(f"{live_server.url}/partnerships/")
    assert_accessible(page)
    page.get_by_role("link", name="Shetland self-evaluation").click()
    assert_accessible(page)
    for code in ("6.2", "8.1", "9.2"):
        _open_qi(page, code)
        page.get_by_role("textbox", name="How good are we now?").fill(
            f"Strong partnership working on {code}."
        )
        page.get_by_role("textbox", name="How do we know?").fill(
            "Minutes of the partnership board."
        )
        page.get_by_role("textbox", name="How good can we be?").fill("Involve local businesses.")
        page.locator("input[name=grade][value='4']").check()
        if code == "6.2":
            assert_accessible(page)
        page.get_by_role("button", name="Save answers").click()
        expect(page.locator(".govuk-notification-banner, .govuk-body").first).to_be_visible()
        if code == "6.2":
            page.get_by_label("Evidence file").set_input_files(str(evidence))
            page.get_by_role("radio", name="How do we know?").check()
            page.get_by_label("The claim it supports").fill("Every partner attends the board")
            page.get_by_role("button", name="Upload evidence").click()
            expect(page.get_by_text("Virus check passed")).to_be_visible()
            assert_accessible(page)
        page.get_by_role("link", name=re.compile("^Back to")).click()
    page.get_by_role("link", name="Submit the self-evaluation").click()
    assert_accessible(page)
    page.get_by_role("button", name="Submit the self-evaluation").click()
    expect(page.get_by_text("Your self-evaluation has been submitted. Thank you.")).to_be_visible()

    # The inspector asks for a change to 8.1 only.
    inspector_page = browser.new_context(**browser_context_args).new_page()
    sign_in(inspector_page, live_server, inspector)
    inspector_page.goto(f"{live_server.url}{exercise.get_absolute_url()}")
    inspector_page.get_by_role("link", name="Ask for changes").click()
    assert_accessible(inspector_page)
    inspector_page.get_by_label(re.compile("What should change in 8.1")).fill("Add budgets.")
    inspector_page.get_by_role("button", name="Ask for changes").click()
    expect(inspector_page.get_by_text("Changes requested")).to_be_visible()

    # The member changes 8.1 (the others stay locked) and resubmits.
    page.reload()
    _open_qi(page, "6.2")
    expect(page.get_by_text("This QI is locked")).to_be_visible()
    page.go_back()
    _open_qi(page, "8.1")
    expect(page.get_by_text("Add budgets.")).to_be_visible()
    page.get_by_role("textbox", name="How good are we now?").fill(
        "Budgets are pooled for two services."
    )
    page.get_by_role("button", name="Save answers").click()
    page.get_by_role("link", name=re.compile("^Back to")).click()
    page.get_by_role("link", name="Submit the self-evaluation").click()
    page.get_by_role("button", name="Submit the self-evaluation").click()
    expect(page.get_by_text("Your self-evaluation has been submitted. Thank you.")).to_be_visible()

    # The inspector validates every QI, records feedback and publishes the letter.
    inspector_page.reload()
    inspector_page.get_by_role("button", name="Start analysis").click()
    inspector_page.get_by_role("button", name="Move to feedback and decisions").click()
    for code in ("6.2", "8.1", "9.2"):
        _open_qi(inspector_page, code)
        inspector_page.get_by_role("link", name="Record the decision").click()
        inspector_page.get_by_label("Validated", exact=True).check()
        inspector_page.get_by_label("Strengths").fill(f"Clear strengths on {code}.")
        if code == "6.2":
            assert_accessible(inspector_page)
        inspector_page.get_by_role("button", name="Save the decision").click()
    inspector_page.get_by_role("link", name="Write the conclusion and record feedback").click()
    inspector_page.get_by_label("Overall confidence statement").fill("We are confident.")
    inspector_page.get_by_label("Verbal feedback given on").fill("2019-12-02")
    inspector_page.get_by_role("button", name="Save").click()
    inspector_page.get_by_role("link", name="Publish the validation letter").click()
    assert_accessible(inspector_page)
    inspector_page.get_by_role("button", name="Publish the letter").click()
    expect(inspector_page.locator("#document-status [data-state]")).to_have_text(
        "Ready", timeout=120_000
    )
    assert Exercise.objects.get().status == Exercise.Status.PUBLISHED

    # The member downloads the published letter.
    page.goto(f"{live_server.url}{exercise.get_absolute_url()}")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download the letter, version 1")).click()
    download = download_info.value
    assert download.suggested_filename == (
        "validation-letter-shetland-community-justice-partnership-version-1.pdf"
    )
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    assert csp_violations == []
