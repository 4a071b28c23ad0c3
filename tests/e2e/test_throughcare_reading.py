"""In Chromium: a review inspector goes from the review's home page to an area, opens a
throughcare record from the area's reading queue, answers and saves it on the shared reading
page, then opens the triangulation page for a QI. Every page is checked with axe-core."""

import re

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from accounts.models import Role
from inspections.models import Answer, Reading
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person
from tests.throughcare.factories import make_population, make_review, make_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def review_setup(reference_data):
    inspector = person(Role.INSPECTOR)
    review = make_review(
        "Throughcare review of breach and recall",
        authorities=("glasgow-city", "fife"),
        inspectors=(inspector,),
    )
    glasgow = review.test_areas[0]
    make_population(glasgow, 30)
    sample = make_sample(glasgow, 4)
    record = sample.records.order_by("rank").first()
    reading = Reading.objects.create(
        sample_record=record, reader=inspector, instrument_version=review.reading_instrument
    )
    return review, glasgow, reading, inspector


def test_inspector_reads_a_throughcare_record_and_opens_triangulation(
    page, live_server, review_setup, csp_violations
):
    review, glasgow, reading, inspector = review_setup
    reference = reading.sample_record.record.reference
    sign_in(page, live_server, inspector)

    page.goto(f"{live_server.url}/reviews/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thematic reviews")
    assert_accessible(page)
    page.get_by_role("link", name=review.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(review.title)
    expect(page.locator("#area-progress")).to_contain_text("Glasgow City")
    expect(page.locator("#area-progress")).to_contain_text("0 of 4 read")
    assert_accessible(page)

    page.locator("#area-progress").get_by_role("link", name="Glasgow City", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glasgow City")
    assert_accessible(page)
    page.get_by_role("link", name="Record reading").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your records to read")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(reference)).click()
    expect(page.get_by_text(re.compile(r"Section 1 of \d+"))).to_be_visible()
    assert_accessible(page)
    # The first section is taken from the population record; go on to the home background.
    for _ in range(5):
        if page.locator('[data-question="hbr_present"]').count():
            break
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_load_state()
    question = page.locator('[data-question="hbr_present"]')
    question.get_by_label("Yes", exact=True).check()
    # A "yes" opens the follow-up questions on the same page.
    quality = page.locator('[data-question="hbr_quality"]')
    expect(quality).to_be_visible()
    quality.locator("input[value='5']").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()

    saved = {
        a.question.code: a.value
        for a in Answer.objects.filter(reading=reading).select_related("question")
    }
    assert saved["hbr_present"] == "yes"
    assert saved["hbr_quality"] == 5
    assert csp_violations == []

    try:
        path = reverse("throughcare:triangulation_detail", args=[review.pk, "5.1"])
    except NoReverseMatch:
        pytest.skip("The triangulation page is not there yet")
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("5.1")
    assert_accessible(page)
