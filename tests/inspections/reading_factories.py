"""Build readings for tests directly from the models (reader assignment has its own tests)."""

from accounts.models import Role
from inspections.models import Reading, SampleRecord
from tests.factories import person
from tests.inspections.factories import assign, make_population, make_sample


def make_reading(sample_record: SampleRecord, reader, order: int = 1) -> Reading:
    return Reading.objects.create(
        sample_record=sample_record,
        reader=reader,
        order=order,
        instrument_version=sample_record.sample.activity.reading_instrument,
    )


def make_reading_setup(inspection, *, size: int = 10, population: int = 40):
    """Make a population, a sample and an assigned inspector: (sample, records, reader)."""
    make_population(inspection, size=population)
    sample = make_sample(inspection, size=size)
    reader = assign(person(Role.INSPECTOR), "inspector", inspection)
    records = list(sample.records.filter(role=SampleRecord.Role.SAMPLED).select_related("record"))
    return sample, records, reader
