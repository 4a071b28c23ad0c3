"""The record page and autosave make the same number of queries whatever the sample size."""

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from inspections import selectors
from inspections.models import Answer, Reading, SampleRecord
from tests.factories import login, person
from tests.inspections.factories import assign, make_inspection, make_population, make_sample

pytestmark = pytest.mark.django_db


def build(size: int):
    """An inspection with a sample of `size`, every record given a reading with answers."""
    inspection = make_inspection(title=f"Inspection with a sample of {size}")
    make_population(inspection, size=size + 10)
    sample = make_sample(inspection, size=size)
    reader = assign(person(Role.INSPECTOR), "inspector", inspection)
    version = inspection.activity.reading_instrument
    records = sample.records.filter(role=SampleRecord.Role.SAMPLED)
    Reading.objects.bulk_create(
        Reading(sample_record=r, reader=reader, instrument_version=version) for r in records
    )
    question = version.questions.get(code="order_status")
    Answer.objects.bulk_create(
        Answer(reading=r, question=question, value_code="current", updated_by=reader)
        for r in Reading.objects.filter(sample_record__sample=sample)
    )
    reading = Reading.objects.filter(sample_record__sample=sample).order_by("pk").first()
    return inspection, reader, reading


def count(client, method, url, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


def measure(client, size: int) -> dict[str, int]:
    _, reader, reading = build(size)
    login(client, reader)
    page = reverse("inspections:reading_update", kwargs={"pk": reading.pk})
    save = reverse("inspections:answer_save", kwargs={"pk": reading.pk})
    count(client, "get", page)  # warm caches that are per process, not per sample
    body = {"question": "cjswr_prepared", "value": "yes", "client_save_id": str(uuid.uuid4())}
    return {
        "page": count(client, "get", page),
        "section": count(client, "get", page + "?section=5"),
        "save": count(
            client,
            "post",
            save,
            data=json.dumps(body),
            content_type="application/json",
            headers={"X-Requested-With": "fetch"},
        ),
        "selector": _selector_queries(reading),
    }


def _selector_queries(reading) -> int:
    reading = selectors.reading_get(pk=reading.pk)
    with CaptureQueriesContext(connection) as queries:
        selectors.reading_page_data(reading=reading)
    return len(queries)


def test_record_page_queries_do_not_grow_with_the_sample(client, reference_data):
    small = measure(client, 10)
    large = measure(client, 500)
    assert small == large, (small, large)
    # The answers and the illustrations: a published tool's sections, questions, QIs and scale
    # are read once per process (inspections.selectors.readings.instrument_structure).
    assert small["selector"] <= 2


def test_queue_queries_do_not_grow_with_the_number_of_readings(client, inspection):
    from tests.inspections.reading_factories import make_reading, make_reading_setup

    _, records, reader = make_reading_setup(inspection, size=12)
    make_reading(records[0], reader)
    make_reading(records[1], reader)
    login(client, reader)
    queue = reverse("inspections:reading_queue", kwargs={"pk": inspection.pk})
    count(client, "get", queue)
    two = count(client, "get", queue)
    for record in records[2:]:
        make_reading(record, reader)
    Answer.objects.bulk_create(
        Answer(reading=r, question=q, value_date="2018-01-10", updated_by=reader)
        for r in Reading.objects.filter(reader=reader)
        for q in r.instrument_version.questions.filter(code="first_contact_date")
    )
    assert count(client, "get", queue) == two
