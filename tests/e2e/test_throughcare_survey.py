"""In Chromium: a member of an area's staff opens the staff survey link with no account,
answers, sends and sees the confirmation; the review team's survey pages work. Every page,
the public survey pages included, is checked with axe-core."""

import os

import pytest
from playwright.sync_api import expect

from qi_framework.models import Response
from tests.e2e.helpers import assert_accessible, sign_in
from tests.throughcare.factories import make_review
from throughcare import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")

AGREEMENTS = {
    "Partner agencies": "Agree",
    "The LS/CMI process": "Disagree",
    "Assessments from prison reach me": "Strongly disagree",
    "The process for reporting a breach": "Strongly agree",
    "Decisions to recall people": "Agree",
    "I have had the training": "Disagree",
}


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def choose(page, question: str, label: str) -> None:
    page.get_by_role("group", name=question).get_by_label(label, exact=True).check()


def test_staff_member_completes_the_survey_from_a_link(
    page, live_server, reference_data, csp_violations
):
    review = make_review(authorities=("glasgow-city",))
    _, token = services.staff_survey_link_create(area=review.test_areas[0], by=review.lead)
    url = f"{live_server.url}/r/{token}/"

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff survey: throughcare review")
    assert "Glasgow" not in page.content() and review.title not in page.content()
    assert_accessible(page)
    shot(page, "tc_staff_survey")

    page.get_by_role("button", name="Send your answers").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    shot(page, "tc_staff_survey_errors")
    assert not Response.objects.exists()

    choose(page, "What is your role?", "Social worker")
    choose(page, "How long have you worked in throughcare?", "4 to 10 years")
    choose(page, "How confident are you in planning", "Confident")
    for question, answer in AGREEMENTS.items():
        choose(page, question, answer)
    page.get_by_label("What would help you to support people better").fill(
        "Housing in place before release."
    )
    page.get_by_role("button", name="Send your answers").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your answers")
    assert_accessible(page)
    shot(page, "tc_staff_survey_thanks")
    response = Response.objects.get()
    assert response.link.subject == review.test_areas[0]
    assert csp_violations == []


def test_review_team_survey_pages_are_accessible(page, live_server, reference_data, csp_violations):
    review = make_review(authorities=("glasgow-city", "fife"))
    _, token = services.staff_survey_link_create(area=review.test_areas[0], by=review.lead)
    services.theme_create(review=review, name="Accommodation on release", by=review.lead)
    sign_in(page, live_server, review.lead)

    page.goto(f"{live_server.url}/reviews/{review.pk}/surveys/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Surveys and interviews")
    assert_accessible(page)
    shot(page, "tc_survey_list")

    page.get_by_role("button", name="Make a link for Fife").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Staff survey link for Fife")
    assert "/r/" in page.get_by_label("Survey link").input_value()
    assert_accessible(page)
    shot(page, "tc_survey_link_created")

    page.goto(f"{live_server.url}/reviews/{review.pk}/surveys/paper/")
    choose(page, "How many times have you been recalled", "Once")
    choose(page, "Did you meet or speak to your community social worker", "Yes")
    choose(page, "Did you get help with somewhere to live?", "No, but I needed it")
    choose(page, "Did you get help with money", "Yes, and it was enough")
    choose(page, "Did you get help with your health", "Yes, but it was not enough")
    choose(page, "Did you understand your licence conditions", "Yes")
    choose(page, "How would you describe your relationship", "Good")
    choose(page, "Did anyone talk to you about what was going wrong", "No")
    page.get_by_label("What would have helped you stay out of prison?").fill(
        "Somewhere to live on the day I got out."
    )
    assert_accessible(page)
    shot(page, "tc_survey_paper")
    page.get_by_role("button", name="Save this questionnaire").click()
    expect(page.locator(".govuk-notification-banner, .govuk-body").first).to_be_visible()
    assert "1 paper questionnaire entered" in page.content()

    page.goto(f"{live_server.url}/reviews/{review.pk}/surveys/results/prison_survey/")
    assert_accessible(page)
    shot(page, "tc_survey_results")

    page.goto(f"{live_server.url}/reviews/{review.pk}/themes/tag/")
    page.get_by_label("Accommodation on release").check()
    assert_accessible(page)
    shot(page, "tc_theme_tag")
    page.get_by_role("button", name="Save tags on this page").click()
    page.goto(f"{live_server.url}/reviews/{review.pk}/themes/")
    expect(page.locator("#theme-counts")).to_contain_text("Not tied to an area")
    assert_accessible(page)
    shot(page, "tc_theme_list")

    page.goto(f"{live_server.url}/reviews/{review.pk}/interviews/new/")
    assert_accessible(page)
    shot(page, "tc_interview_form")
    assert csp_violations == []
