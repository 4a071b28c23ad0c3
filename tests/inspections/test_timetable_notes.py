"""Focus group outcome notes are inspectors' evidence: the authority's staff do not see them."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from inspections.models import FieldworkEvent
from tests.factories import login, person

pytestmark = pytest.mark.django_db


def test_completed_event_notes_are_hidden_from_the_authority(client, inspection):
    event = FieldworkEvent.objects.create(
        activity=inspection.activity,
        kind=FieldworkEvent.Kind.STAFF_FOCUS_GROUP,
        date=dt.date(2019, 11, 20),
        is_remote=True,
        status=FieldworkEvent.Status.COMPLETED,
        notes="Staff said supervision was rushed.",
    )
    FieldworkEvent.objects.create(
        activity=inspection.activity,
        kind=FieldworkEvent.Kind.READING_SESSION,
        date=dt.date(2019, 11, 21),
        place="Church Street, Dumbarton",
        notes="Room 2 booked.",
    )
    url = reverse("inspections:fieldworkevent_list", kwargs={"pk": inspection.pk})

    login(client, person(Role.AUTHORITY_CONTACT, "west-dunbartonshire"))
    page = client.get(url).content.decode()
    assert "Room 2 booked." in page
    assert "supervision was rushed" not in page

    login(client, inspection.lead)
    page = client.get(url).content.decode()
    assert "supervision was rushed" in page
    assert event.pk
