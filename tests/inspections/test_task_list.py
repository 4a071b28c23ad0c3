"""The inspection's task list shows the evaluations step to the team only."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import login, person

pytestmark = pytest.mark.django_db


def test_evaluations_step_is_for_the_team_only(client, inspection):
    url = reverse("inspections:inspection_detail", kwargs={"pk": inspection.pk})
    evaluations = reverse("inspections:evaluation_list", kwargs={"pk": inspection.pk})

    login(client, inspection.lead)
    page = client.get(url).content.decode()
    assert "Evaluations and recommendations" in page
    assert evaluations in page

    login(client, person(Role.AUTHORITY_CONTACT, "west-dunbartonshire"))
    page = client.get(url).content.decode()
    assert "Evaluations and recommendations" not in page
    assert evaluations not in page
