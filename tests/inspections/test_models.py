"""The shared fieldwork machinery's factories build a consistent starting state."""

import pytest

from inspections.models import SampleRecord
from tests.inspections.factories import make_population, make_sample

pytestmark = pytest.mark.django_db


def test_inspection_has_its_scope_instruments_and_lead(inspection):
    assert [q.quality_indicator.code for q in inspection.qis.filter(evaluated=True)] == [
        "1.1",
        "2.1",
        "5.2",
        "5.3",
        "9.4",
    ]
    assert inspection.activity.reading_instrument.instrument.code == "cpo-file-reading"
    assert inspection.lead.has_perm("inspections.draw_sample", inspection.activity)


def test_population_and_sample(inspection):
    make_population(inspection, 30)
    sample = make_sample(inspection, size=8, reserve=4)
    assert sample.records.filter(role=SampleRecord.Role.SAMPLED).count() == 8
    assert sample.records.filter(role=SampleRecord.Role.RESERVE).count() == 4
