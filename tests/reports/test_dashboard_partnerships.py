"""The dashboard's partnerships section: self-evaluation and validation status by QI."""

import pytest

from accounts.models import Organisation, Role
from tests.factories import login, person
from tests.partnerships.conftest import AYRSHIRE, CLACKS, make_setup, to_feedback

pytestmark = pytest.mark.django_db
URL = "/documents/dashboard/"


@pytest.fixture
def exercises(framework):
    ayrshire = make_setup(framework, AYRSHIRE)
    to_feedback(ayrshire, decisions={"6.2": "not_validated"})
    clacks = make_setup(framework, CLACKS)
    return ayrshire, clacks


def section(response):
    return next(s for s in response.context["sections"] if s.key == "partnerships")


def test_status_and_validation_by_qi(client, exercises):
    ayrshire, clacks = exercises
    login(client, person(Role.MANAGER))
    result = section(client.get(URL))
    status = {r[0].value: r[1].value for r in result.table("partnerships-status").rows}
    assert status["Feedback and decisions"] == 1
    assert status["Support and guidance"] == 1
    assert status["Total"] == 2
    qis = {r[0].shown: [c.value for c in r[1:]] for r in result.table("partnerships-qis").rows}
    # Columns: drafting, submitted, changes requested, decided, validated, not validated.
    assert qis["6.2"] == [1, 0, 0, 1, 0, 1]
    assert qis["8.1"] == [1, 0, 0, 1, 1, 0]
    listed = {r[0].value: r[4].value for r in result.table("partnerships-exercises").rows}
    assert listed == {ayrshire.exercise.title: "2 of 3", clacks.exercise.title: "0 of 3"}


def test_filtering_by_an_authority_keeps_the_partnership_that_covers_it(client, exercises):
    ayrshire, _ = exercises
    login(client, person(Role.MANAGER))
    north_ayrshire = Organisation.objects.get(slug="north-ayrshire")
    result = section(client.get(URL, {"authority": north_ayrshire.pk}))
    titles = [r[0].value for r in result.table("partnerships-exercises").rows]
    assert titles == [ayrshire.exercise.title]


def test_kind_of_scrutiny_chooses_the_sections(client, exercises):
    login(client, person(Role.MANAGER))
    response = client.get(URL, {"kind": "svse"})
    assert [s.key for s in response.context["sections"]] == ["partnerships", "feedback"]
    response = client.get(URL, {"kind": "cpo_inspection"})
    assert "partnerships" not in [s.key for s in response.context["sections"]]


def test_partnership_members_get_no_dashboard(client, exercises):
    login(client, person(Role.PARTNERSHIP_MEMBER, AYRSHIRE))
    assert client.get(URL).status_code == 403
