"""In Chromium, with a real Celery worker: an inspector signs in with two factors, asks for the
framework booklet, watches its state go from Queued to Ready without reloading, and downloads it."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from reports.models import Document
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]


def test_ask_for_the_booklet_watch_it_become_ready_and_download_it(
    page, live_server, framework, celery_worker, csp_violations
):
    inspector = person(Role.INSPECTOR)  # inspectorate staff must use two factors
    # No worker yet: the page shows the document queued until one takes it.
    celery_worker.stop()
    sign_in(page, live_server, inspector)
    assert "/security-code/" not in page.url

    page.goto(f"{live_server.url}/framework/")
    page.get_by_role("button", name=re.compile("Download the framework as a PDF booklet")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Quality indicator framework, version 1")
    )
    state = page.locator("#document-status [data-state]")
    expect(state).to_have_text("Queued")
    assert_accessible(page)
    page.evaluate("() => { window.stillTheSamePage = true; }")

    celery_worker.start()
    expect(state).to_have_text("Ready", timeout=120_000)
    assert page.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"
    document = Document.objects.get()
    assert document.state == Document.State.READY
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download the PDF")).click()
    download = download_info.value
    assert download.suggested_filename == "quality-indicator-framework-cj-2016-version-1.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    assert csp_violations == []
