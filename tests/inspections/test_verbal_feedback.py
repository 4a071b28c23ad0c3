"""Verbal feedback to the authority: recorded, changed and listed by the team, dated on or after
the last day of fieldwork, audited, and frozen once the report is published."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections import services
from inspections.models import Inspection, VerbalFeedback
from inspections.services.report_versions import (
    VERBAL_FEEDBACK_BEFORE_FIELDWORK_ENDS,
    VERBAL_FEEDBACK_GIVEN_BY_REQUIRED,
    VERBAL_FEEDBACK_IN_FUTURE,
    VERBAL_FEEDBACK_POINTS_REQUIRED,
    VERBAL_FEEDBACK_PUBLISHED,
)
from tests.factories import login, person
from tests.inspections.factories import assign, make_inspection

FIELDWORK_END = dt.date(2019, 12, 13)  # the factory's


def date_fields(name: str, value: dt.date) -> dict:
    return {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}


def record(inspection, **changes) -> VerbalFeedback:
    values = {
        "given_on": dt.date(2019, 12, 20),
        "given_by": "Iain MacLeod, lead inspector",
        "received_by": "Chief social work officer",
        "points": "- Strong relationships\n- Risk assessment needs attention",
    }
    return services.verbal_feedback_create(
        inspection=inspection, by=inspection.lead, **{**values, **changes}
    )


def test_the_lead_records_and_changes_verbal_feedback_audited(inspection):
    feedback = record(inspection)
    assert feedback.recorded_by == inspection.lead
    services.verbal_feedback_update(
        feedback=feedback,
        given_on=FIELDWORK_END,
        given_by="Iain MacLeod, lead inspector",
        received_by="",
        points="Strong relationships.",
        by=inspection.lead,
    )
    feedback.refresh_from_db()
    assert (feedback.given_on, feedback.points) == (FIELDWORK_END, "Strong relationships.")
    actions = list(
        AuditEvent.objects.filter(action__startswith="verbal_feedback")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["verbal_feedback_recorded", "verbal_feedback_changed"]
    changed = AuditEvent.objects.get(action="verbal_feedback_changed")
    assert changed.old_value["given_on"] == "2019-12-20"
    assert changed.new_value["given_on"] == "2019-12-13"


def test_the_date_must_be_on_or_after_the_last_day_of_fieldwork(inspection):
    with pytest.raises(ApplicationError) as error:
        record(inspection, given_on=FIELDWORK_END - dt.timedelta(days=1))
    assert error.value.message == VERBAL_FEEDBACK_BEFORE_FIELDWORK_ENDS.format(
        date="13 December 2019"
    )
    with pytest.raises(ApplicationError) as error:
        record(inspection, given_on=dt.date.today() + dt.timedelta(days=2))
    assert error.value.message == VERBAL_FEEDBACK_IN_FUTURE
    assert not VerbalFeedback.objects.exists()


def test_who_gave_it_and_the_points_are_needed(inspection):
    with pytest.raises(ApplicationError) as error:
        record(inspection, given_by=" ", points="")
    fields = dict(error.value.extra["errors"])
    assert fields == {
        "given_by": VERBAL_FEEDBACK_GIVEN_BY_REQUIRED,
        "points": VERBAL_FEEDBACK_POINTS_REQUIRED,
    }


def test_verbal_feedback_is_frozen_after_publication(inspection):
    feedback = record(inspection)
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.PUBLISHED)
    inspection.refresh_from_db()
    with pytest.raises(ApplicationError) as error:
        record(inspection)
    assert error.value.message == VERBAL_FEEDBACK_PUBLISHED
    with pytest.raises(ApplicationError):
        services.verbal_feedback_update(
            feedback=feedback,
            given_on=feedback.given_on,
            given_by="Someone else",
            points=feedback.points,
            by=inspection.lead,
        )
    assert VerbalFeedback.objects.get().given_by == "Iain MacLeod, lead inspector"


# --- Pages -------------------------------------------------------------------------------------


def test_an_inspector_on_the_team_records_it_through_the_form(inspection, client):
    inspector = assign(person(Role.INSPECTOR), "inspector", inspection)
    login(client, inspector)
    url = reverse("inspections:verbal_feedback_create", args=[inspection.pk])
    response = client.post(
        url,
        {
            **date_fields("given_on", dt.date(2019, 12, 1)),
            "given_by": "Fiona Grant",
            "points": "Good partnership working.",
        },
    )
    assert response.status_code == 200
    assert "on or after the last day of fieldwork, 13 December 2019" in response.content.decode()
    response = client.post(
        url,
        {
            **date_fields("given_on", dt.date(2019, 12, 16)),
            "given_by": "Fiona Grant, inspector",
            "received_by": "Justice service manager",
            "points": "- Good partnership working\n- <script>alert(1)</script>",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("inspections:verbal_feedback_list", args=[inspection.pk]))
    content = page.content.decode()
    assert "16 December 2019" in content and "Justice service manager" in content
    assert "<li>Good partnership working</li>" in content and "<script>alert(1)" not in content
    feedback = VerbalFeedback.objects.get()
    edit = reverse("inspections:verbal_feedback_update", args=[inspection.pk, feedback.pk])
    assert "- Good partnership working" in client.get(edit).content.decode()


def test_the_authority_and_outsiders_cannot_see_or_record_it(inspection, client):
    feedback = record(inspection)
    list_url = reverse("inspections:verbal_feedback_list", args=[inspection.pk])
    create_url = reverse("inspections:verbal_feedback_create", args=[inspection.pk])
    edit_url = reverse("inspections:verbal_feedback_update", args=[inspection.pk, feedback.pk])
    contact = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")
    login(client, contact)
    assert client.get(list_url).status_code == 403
    assert client.post(create_url, {}).status_code == 403
    stranger = make_inspection("inverclyde").lead
    login(client, stranger)
    for url in (list_url, create_url, edit_url):
        assert client.get(url).status_code == 404, url


def test_a_manager_reads_it_but_does_not_record_it(inspection, client):
    record(inspection)
    manager = person(Role.MANAGER)
    login(client, manager)
    page = client.get(reverse("inspections:verbal_feedback_list", args=[inspection.pk]))
    assert page.status_code == 200 and "Risk assessment needs attention" in page.content.decode()
    assert "Record verbal feedback" not in page.content.decode()
    create_url = reverse("inspections:verbal_feedback_create", args=[inspection.pk])
    assert client.get(create_url).status_code == 403


def test_feedback_of_another_inspection_is_not_found_through_this_one(inspection, client):
    other = make_inspection("inverclyde", lead=inspection.lead)
    Inspection.objects.filter(pk=other.pk).update(fieldwork_end=FIELDWORK_END)
    other.refresh_from_db()
    feedback = record(other)
    login(client, inspection.lead)
    url = reverse("inspections:verbal_feedback_update", args=[inspection.pk, feedback.pk])
    assert client.get(url).status_code == 404
