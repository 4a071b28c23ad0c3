"""In Chromium: a person with no account opens a feedback link, answers, sends and sees thanks;
the link then reads as used. The form, its error state and the thank-you page are accessible."""

import os

import pytest
from playwright.sync_api import expect

from qi_framework.models import Response
from qi_framework.responses import feedback_link_create
from tests.e2e.helpers import assert_accessible
from tests.inspections.factories import make_inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def rate(page, question: str, label: str) -> None:
    page.get_by_role("group", name=question).get_by_label(label).check()


def test_anonymous_person_sends_feedback_once(page, live_server, reference_data, csp_violations):
    _, token = feedback_link_create(subject=make_inspection())
    url = f"{live_server.url}/r/{token}/"

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Feedback on the inspection of West Dunbartonshire"
    )
    assert_accessible(page)
    shot(page, "response_form")

    page.get_by_label("Inspection of community payback orders").check()
    page.get_by_role("button", name="Send your answers").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error: Feedback on the inspection")
    assert_accessible(page)
    shot(page, "response_form_errors")
    assert not Response.objects.exists()

    page.get_by_label("Local co-ordinator").check()
    rate(page, "How well were the scrutiny activities organised?", "5 – very good")
    rate(page, "How helpful was our support", "6 – excellent")
    rate(page, "How well did our team perform?", "5 – very good")
    rate(page, "Were our staff available", "6 – excellent")
    rate(page, "Did professional discussions", "4 – good")
    rate(page, "How well did we engage", "5 – very good")
    page.get_by_role("group", name="Were the quality indicator illustrations").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Send your answers").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your answers")
    assert_accessible(page)
    shot(page, "response_thanks")
    assert Response.objects.count() == 1

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has already been used")
    assert_accessible(page)
    assert csp_violations == []
