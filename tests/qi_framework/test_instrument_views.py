"""Instrument and public-holiday pages: scrutiny staff read them; administrators change them."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from core.models import PublicHoliday
from qi_framework import forms, instruments
from qi_framework.instruments import services
from qi_framework.instruments import validation as v
from qi_framework.models import InstrumentVersion
from tests.factories import login, person

pytestmark = pytest.mark.django_db

CPO = "cpo-file-reading"


def _url(name, version=1, **kwargs):
    return reverse(f"qi_framework:{name}", kwargs={"code": CPO, "version": version, **kwargs})


def _upload(data, name="tool.json") -> SimpleUploadedFile:
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.MANAGER, Role.HMICS_INSPECTOR])
def test_scrutiny_staff_read_instruments_but_cannot_change_them(client, reference_data, role):
    login(client, person(role))
    page = client.get(reverse("qi_framework:instrument_list")).content.decode()
    assert "CPO file-reading tool" in page
    assert "Import a data file" not in page
    detail = client.get(_url("instrument_version_detail"))
    assert detail.status_code == 200
    assert "Copy to a new draft version" not in detail.content.decode()
    assert client.post(_url("instrument_version_copy")).status_code == 403
    edit = _url("instrument_question_update", question="cjswr_quality")
    assert client.get(edit).status_code == 403
    assert client.get(reverse("qi_framework:instrument_import")).status_code == 403


@pytest.mark.parametrize(
    "role", [Role.PARTNERSHIP_MEMBER, Role.AUTHORITY_CONTACT, Role.LOCAL_COORDINATOR]
)
def test_people_outside_the_scrutiny_bodies_are_refused(client, reference_data, role):
    login(client, person(role))
    assert client.get(reverse("qi_framework:instrument_list")).status_code == 403
    assert client.get(_url("instrument_version_detail")).status_code == 403
    assert client.get(_url("instrument_version_export")).status_code == 403
    assert client.get(reverse("qi_framework:holiday_list")).status_code == 403


def test_version_page_puts_conditions_and_rules_into_words(client, reference_data):
    login(client, person(Role.INSPECTOR))
    page = client.get(_url("instrument_version_detail")).content.decode()
    assert "LS/CMI completed within 20 working days" in page
    assert (
        "Asked only when “Requirements imposed” includes “Offender supervision” and "
        "“Was an LS/CMI risk and needs assessment completed?” is “Yes”."
    ) in page
    assert "Yes when “Date the LS/CMI was completed” is within 20 working days" in (page)
    assert "Filled in from the population record (the date the order was imposed)." in page
    assert reverse("qi_framework:qi_detail", kwargs={"version": 1, "code": "5.2"}) in page
    assert "Yes, no or not applicable, required" in page
    assert "not the Care Inspectorate&#x27;s official tool" in page


def test_unknown_version_is_not_found(client, reference_data):
    login(client, person(Role.INSPECTOR))
    assert client.get(_url("instrument_version_detail", version=9)).status_code == 404


def test_administrator_copies_edits_and_publishes(client, reference_data):
    login(client, person(Role.ADMINISTRATOR))
    page = client.get(reverse("qi_framework:instrument_list")).content.decode()
    assert "Import a data file" in page

    response = client.post(_url("instrument_version_copy"))
    assert response.url == _url("instrument_version_detail", version=2)
    page = client.get(response.url).content.decode()
    assert "Publish version 2" in page
    assert "This version is a draft" in page

    edit = _url("instrument_question_update", version=2, question="intensity")
    form = client.get(edit).content.decode()
    assert "very_high | Very high" in form
    response = client.post(
        edit,
        {
            "text": "Intensity of supervision",
            "help_text": "",
            "required": "on",
            "options": "very_high | Very high\nhigh | High\nmedium | Medium\nlow | Low",
        },
    )
    assert response.status_code == 302
    question = instruments.instrument_version_get(code=CPO, version=2).questions.get(
        code="intensity"
    )
    assert question.text == "Intensity of supervision"

    section_url = _url("instrument_section_update", version=2, section="reviews")
    response = client.post(section_url, {"title": "Statutory reviews", "help": ""})
    assert response.status_code == 302

    response = client.post(_url("instrument_version_publish", version=2))
    assert response.status_code == 302
    assert instruments.instrument_version_current(code=CPO).version == 2
    assert instruments.instrument_version_get(code=CPO, version=1).status == "retired"


def test_a_published_question_cannot_be_opened_for_editing(client, reference_data):
    login(client, person(Role.ADMINISTRATOR))
    response = client.get(_url("instrument_question_update", question="cjswr_quality"), follow=True)
    assert response.redirect_chain[-1][0] == _url("instrument_version_detail")
    assert services.FROZEN.format(version=1, status="published") in response.content.decode()


def test_an_invalid_option_list_is_shown_to_the_administrator(client, reference_data):
    login(client, person(Role.ADMINISTRATOR))
    client.post(_url("instrument_version_copy"))
    edit = _url("instrument_question_update", version=2, question="intensity")
    response = client.post(edit, {"text": "Intensity", "options": "High without a label"})
    assert response.status_code == 200
    assert forms.OPTION_LINE_ERROR.format(line=1) in response.content.decode()
    response = client.post(edit, {"text": "Intensity", "options": "high | High\nVery High | V"})
    assert forms.OPTION_VALUE_ERROR.format(line=2, value="Very High") in response.content.decode()

    sex = _url("instrument_question_update", version=2, question="sex")
    response = client.post(sex, {"text": "Sex", "options": "male | Male"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The change was not saved." in page
    assert "compares “sex” with “female”, which is not one of its options." in page


def test_export_downloads_the_data_file(client, reference_data):
    login(client, person(Role.INSPECTOR))
    response = client.get(_url("instrument_version_export"))
    assert response["Content-Type"] == "application/json"
    assert 'filename="cpo-file-reading-v1.json"' in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data == instruments.instrument_export(
        version=instruments.instrument_version_get(code=CPO, version=1)
    )


def test_administrator_imports_a_file_as_a_new_draft(client, reference_data):
    login(client, person(Role.ADMINISTRATOR))
    data = instruments.instrument_export(
        version=instruments.instrument_version_get(code=CPO, version=1)
    )
    data["sections"][1]["title"] = "The court report"
    response = client.post(reverse("qi_framework:instrument_import"), {"file": _upload(data)})
    assert response.url == _url("instrument_version_detail", version=2)
    version = instruments.instrument_version_get(code=CPO, version=2)
    assert version.status == InstrumentVersion.Status.DRAFT
    assert version.sections.get(code="court_report").title == "The court report"


def test_import_problems_are_listed_and_nothing_is_loaded(client, reference_data):
    login(client, person(Role.ADMINISTRATOR))
    data = instruments.instrument_export(
        version=instruments.instrument_version_get(code=CPO, version=1)
    )
    data["sections"][1]["questions"][0]["qis"] = ["5.2", "9.9"]
    data["sections"][1]["questions"][1]["condition"] = {"question": "nowhere", "equals": "yes"}
    response = client.post(reverse("qi_framework:instrument_import"), {"file": _upload(data)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Problems in the file" in page
    assert "There are 2 problems." in page
    for message in [
        v.QI_UNKNOWN.format(code="cjswr_prepared", qi="9.9", framework="cj-2016", version=1),
        v.CONDITION_UNKNOWN_QUESTION.format(code="cjswr_quality", ref="nowhere"),
    ]:
        assert message.replace("’", "&#x27;") in page or message in page
    assert not InstrumentVersion.objects.filter(version=2).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", forms.IMPORT_NOT_JSON),
        (b"\xff\xfe\x00", forms.IMPORT_NOT_JSON),
        (b" " * (forms.IMPORT_LIMIT_BYTES + 1), forms.IMPORT_TOO_LARGE),
    ],
)
def test_import_refuses_files_that_are_not_instrument_data(
    client, reference_data, content, message
):
    login(client, person(Role.ADMINISTRATOR))
    response = client.post(reverse("qi_framework:instrument_import"), {"file": _upload(content)})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_import_of_a_framework_file_says_what_is_wrong(client, reference_data):
    from qi_framework.services import DEFAULT_DATA_FILE

    login(client, person(Role.ADMINISTRATOR))
    upload = _upload(DEFAULT_DATA_FILE.read_bytes(), name="framework.json")
    response = client.post(reverse("qi_framework:instrument_import"), {"file": upload})
    assert v.NOT_AN_INSTRUMENT.replace('"', "&quot;") in response.content.decode()


# Public holidays.


def test_inspector_reads_the_holidays_but_cannot_change_them(client, reference_data):
    login(client, person(Role.INSPECTOR))
    page = client.get(reverse("qi_framework:holiday_list"), {"year": 2020}).content.decode()
    assert "Friday 8 May 2020" in page
    assert "This list is unverified and can be changed." in page
    assert "Add a holiday" not in page
    response = client.post(
        reverse("qi_framework:holiday_list"), {"date": "02/03/2020", "name": "X"}
    )
    assert response.status_code == 403
    holiday = PublicHoliday.objects.get(date=dt.date(2020, 5, 8))
    delete = reverse("qi_framework:holiday_delete", kwargs={"pk": holiday.pk})
    assert client.post(delete).status_code == 403
    assert PublicHoliday.objects.filter(pk=holiday.pk).exists()


def test_administrator_adds_and_removes_a_holiday(client, reference_data):
    login(client, person(Role.ADMINISTRATOR))
    url = reverse("qi_framework:holiday_list")
    response = client.post(url, {"date": "21/09/2026", "name": "September weekend"})
    assert response.url == f"{url}?year=2026"
    assert "September weekend" in client.get(response.url).content.decode()
    holiday = PublicHoliday.objects.get(date=dt.date(2026, 9, 21))

    response = client.post(url, {"date": "19/09/2026", "name": "A Saturday"})
    assert response.status_code == 200
    assert "That date is a Saturday or Sunday" in response.content.decode()

    client.post(reverse("qi_framework:holiday_delete", kwargs={"pk": holiday.pk}))
    assert not PublicHoliday.objects.filter(pk=holiday.pk).exists()


def test_administrators_see_instruments_in_the_menu_as_the_only_current_item(
    client, reference_data
):
    login(client, person(Role.ADMINISTRATOR))
    page = client.get(reverse("qi_framework:instrument_list")).content.decode()
    assert page.count('aria-current="page"') == 1
    current = page.split('aria-current="page"')[1]
    assert current.split("</a>")[0].endswith("Instruments</strong>")
    login(client, person(Role.INSPECTOR))
    assert ">Instruments<" not in client.get(reverse("core:home")).content.decode()
