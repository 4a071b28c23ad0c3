"""In Chromium: an associate assessor sees only the inspections they are assigned to."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person
from tests.inspections.factories import assign, make_inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_associate_assessor_sees_only_assigned_inspections(page, live_server, reference_data):
    assigned = make_inspection("west-dunbartonshire")
    other = make_inspection("inverclyde")
    assessor = person(Role.PRACTITIONER, "renfrewshire", name="Roslyn Assessor")
    assign(assessor, "associate_assessor", assigned)

    sign_in(page, live_server, assessor)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inspections").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inspections")
    expect(page.get_by_role("link", name=assigned.title)).to_be_visible()
    expect(page.get_by_role("link", name=other.title)).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name=assigned.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(assigned.title)
    assert_accessible(page)

    response = page.goto(f"{live_server.url}/inspections/{other.pk}/")
    assert response.status == 404
