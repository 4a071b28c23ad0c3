"""Feedback questionnaire answers totalled across inspections, for managers."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from inspections.selectors.feedback import feedback_aggregate
from qi_framework.instruments import instrument_version_current
from qi_framework.models import Response, ResponseLink
from qi_framework.responses import (
    feedback_link_create,
    form_token_issue,
    response_link_create,
    response_submit,
)
from tests.factories import login, organisation, person
from tests.inspections.factories import make_inspection

pytestmark = pytest.mark.django_db

BASE = {
    "scrutiny_kind": "cpo_inspection",
    "respondent_role": "local_coordinator",
    "organisation_rating": "5",
    "coordination_rating": "6",
    "team_rating": "5",
    "staff_support_rating": "6",
    "professional_discussion_rating": "4",
    "engagement_rating": "5",
    "illustrations_specific_enough": "yes",
}


def give_feedback(inspection, *, team_rating: str, year: int | None = None, **more):
    link, token = feedback_link_create(subject=inspection, by=inspection.lead)
    response = response_submit(
        raw_token=token,
        answers={**BASE, "team_rating": team_rating, **more},
        form_token=form_token_issue(link=link),
    )
    if year is not None:
        when = timezone.make_aware(dt.datetime(year, 6, 1, 12))
        Response.objects.filter(pk=response.pk).update(submitted_at=when)
        ResponseLink.objects.filter(pk=link.pk).update(created_at=when)
    return response


@pytest.fixture
def inspections(reference_data):
    west = make_inspection(title="Inspection of West Dunbartonshire")
    inverclyde = make_inspection("inverclyde", title="Inspection of Inverclyde")
    give_feedback(west, team_rating="6", year=2019, illustrations_specific_enough="yes")
    give_feedback(west, team_rating="4", year=2019, illustrations_specific_enough="no")
    give_feedback(inverclyde, team_rating="5", year=2020, illustrations_specific_enough="yes")
    # A link sent but never answered.
    feedback_link_create(subject=inverclyde, by=inverclyde.lead)
    return west, inverclyde


def totals_of(aggregate, code):
    return next(t for t in aggregate.totals if t.code == code)


def test_answers_are_totalled_across_inspections(inspections):
    west, inverclyde = inspections
    aggregate = feedback_aggregate()
    assert aggregate.responses == 3
    assert aggregate.years == [2020, 2019]
    team = totals_of(aggregate, "team_rating")
    assert team.answered == 3
    assert (team.counts["6"], team.counts["5"], team.counts["4"]) == (1, 1, 1)
    assert team.mean == 5
    rows = {row.inspection: (row.links, row.responses) for row in aggregate.by_inspection}
    assert rows == {west: (2, 2), inverclyde: (2, 1)}


def test_year_filter_counts_only_that_years_feedback(inspections):
    west, _ = inspections
    aggregate = feedback_aggregate(year=2019)
    assert aggregate.responses == 2
    team = totals_of(aggregate, "team_rating")
    assert (team.answered, team.counts["6"], team.counts["5"], team.counts["4"]) == (2, 1, 0, 1)
    assert totals_of(aggregate, "illustrations_specific_enough").counts["yes"] == 1
    assert [(row.inspection, row.responses) for row in aggregate.by_inspection] == [(west, 2)]
    # The unfiltered totals are not changed by a filtered call.
    assert totals_of(feedback_aggregate(), "team_rating").answered == 3


def test_feedback_about_other_subjects_is_left_out(inspections):
    link, token = response_link_create(
        instrument_version=instrument_version_current(code="scrutiny-feedback"),
        subject=organisation("ayrshire-community-justice-partnership"),
        label="Partnership feedback",
    )
    response_submit(
        raw_token=token,
        answers={**BASE, "team_rating": "1"},
        form_token=form_token_issue(link=link),
    )
    assert feedback_aggregate().responses == 3


def test_managers_see_the_page_and_filter_by_year(client, inspections):
    login(client, person(Role.MANAGER))
    url = reverse("inspections:feedback_aggregate")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Inspection of West Dunbartonshire" in html and "Inspection of Inverclyde" in html
    assert "3 responses, by inspection" in html
    filtered = client.get(url, {"year": "2020"}).content.decode()
    assert "1 response, by inspection" in filtered
    assert "Inspection of West Dunbartonshire" not in filtered


@pytest.mark.parametrize(
    "role", [Role.INSPECTOR, Role.AUTHORITY_CONTACT, Role.LOCAL_COORDINATOR, Role.HMICS_INSPECTOR]
)
def test_only_managers_see_the_page(client, inspections, role):
    login(client, person(role))
    response = client.get(reverse("inspections:feedback_aggregate"))
    assert response.status_code == 403
    assert "Inspection of Inverclyde" not in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_a_manager_reads_the_feedback(page, live_server, reference_data):
    import os

    from playwright.sync_api import expect

    from tests.e2e.helpers import assert_accessible, sign_in

    west = make_inspection(title="Inspection of West Dunbartonshire")
    give_feedback(west, team_rating="6", year=2019)
    give_feedback(west, team_rating="4", year=2020)
    sign_in(page, live_server, person(Role.MANAGER))
    page.goto(f"{live_server.url}/inspections/feedback/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback on inspections")
    page.get_by_label("Year the feedback was given").select_option("2019")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("feedback-by-inspection")).to_contain_text("1 response")
    assert_accessible(page)
    if os.environ.get("SCREENSHOTS_DIR"):
        page.screenshot(
            path=f"{os.environ['SCREENSHOTS_DIR']}/feedback_aggregate.png", full_page=True
        )
