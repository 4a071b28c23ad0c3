"""Framework pages for everyone signed in; editing for administrators."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import login, person

pytestmark = pytest.mark.django_db


def test_framework_page_lists_every_quality_indicator(client, framework):
    login(client, person(Role.PARTNERSHIP_MEMBER))
    html = client.get(reverse("qi_framework:framework_detail")).content.decode()
    for qi in framework.quality_indicators.all():
        assert qi.name.replace("'", "&#x27;") in html
    assert "Copy version" not in html


def test_qi_page_shows_themes_and_the_illustrations_that_apply(client, framework):
    login(client, person(Role.INSPECTOR))
    url = reverse("qi_framework:qi_detail", kwargs={"version": 1, "code": "5.2"})
    html = client.get(url, {"kind": "throughcare_review"}).content.decode()
    assert "Assessing and responding to risk and need" in html
    assert "Illustrations for the throughcare review" in html
    assert html.index("Illustrations for the throughcare review") < html.index(
        "General illustrations"
    )
    assert "5 – Very good" in html
    assert "Draft" in html


def test_unknown_qi_is_not_found(client, framework):
    login(client, person(Role.INSPECTOR))
    url = reverse("qi_framework:qi_detail", kwargs={"version": 1, "code": "99.9"})
    assert client.get(url).status_code == 404


def test_scale_page(client, framework):
    login(client, person(Role.AUTHORITY_CONTACT))
    html = client.get(reverse("qi_framework:scale")).content.decode()
    assert "Important weaknesses – priority action required" in html
    assert "Wording to be confirmed" in html


def test_administrator_edits_themes(client, framework):
    login(client, person(Role.ADMINISTRATOR))
    url = reverse("qi_framework:qi_update", kwargs={"version": 1, "code": "9.4"})
    response = client.post(
        url,
        {
            "name": "Leadership of improvement and change",
            "description": "",
            "themes": "Governance\n\n  Innovation  \n",
        },
    )
    assert response.status_code == 302
    qi = framework.quality_indicators.get(code="9.4")
    assert qi.themes == ["Governance", "Innovation"]


def test_administrator_edit_with_an_empty_name_is_refused_with_a_message(client, framework):
    login(client, person(Role.ADMINISTRATOR))
    url = reverse("qi_framework:qi_update", kwargs={"version": 1, "code": "9.4"})
    response = client.post(url, {"name": "", "description": "", "themes": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert framework.quality_indicators.get(code="9.4").name == (
        "Leadership of improvement and change"
    )


def test_administrator_copies_and_makes_a_version_current(client, framework):
    login(client, person(Role.ADMINISTRATOR))
    response = client.post(reverse("qi_framework:version_copy", kwargs={"version": 1}))
    assert response.url == reverse("qi_framework:version_detail", kwargs={"version": 2})
    page = client.get(response.url).content.decode()
    assert "This is not the current version" in page
    client.post(reverse("qi_framework:version_make_current", kwargs={"version": 2}))
    page = client.get(reverse("qi_framework:framework_detail")).content.decode()
    assert "Version 2" in page


def test_export_is_a_download(client, framework):
    login(client, person(Role.ADMINISTRATOR))
    response = client.get(reverse("qi_framework:version_export", kwargs={"version": 1}))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.json()["framework"]["code"] == "cj-2016"
