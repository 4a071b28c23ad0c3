"""Build inspections, populations and samples for tests directly from the models.

These make the starting state other tests need; the services that build the same things in the
product (inspection_create, population_import, sample_draw) are tested in their own modules.
"""

import datetime as dt

from accounts.models import Organisation, Role
from accounts.services import assignment_create
from inspections.models import (
    Inspection,
    InspectionQI,
    Population,
    PopulationRecord,
    Sample,
    SampleRecord,
    ScrutinyActivity,
)
from inspections.sampling import ALGORITHM_VERSION, stratum_for_order_type
from qi_framework.instruments import instrument_version_current
from qi_framework.models import ScrutinyKind
from qi_framework.selectors import framework_current, scope_for
from tests.factories import person

REQUIREMENT_MIX = [
    ["supervision"],
    ["unpaid_work"],
    ["supervision", "unpaid_work"],
    ["supervision", "alcohol_treatment"],
    ["unpaid_work"],
]


def make_inspection(
    authority: str = "west-dunbartonshire", *, lead=None, title: str | None = None
) -> Inspection:
    framework = framework_current()
    organisation = Organisation.objects.get(slug=authority)
    activity = ScrutinyActivity.objects.create(
        title=title or f"Inspection of justice social work services in {organisation.name}",
        scrutiny_kind=ScrutinyKind.CPO_INSPECTION,
        authority=organisation,
        framework=framework,
        population_schema="cpo",
        reading_instrument=instrument_version_current(code="cpo-file-reading"),
        interview_instrument=instrument_version_current(code="cpo-interview"),
    )
    inspection = Inspection.objects.create(
        activity=activity,
        title=activity.title,
        period_start=dt.date(2017, 11, 1),
        period_end=dt.date(2019, 10, 31),
        fieldwork_start=dt.date(2019, 11, 4),
        fieldwork_end=dt.date(2019, 12, 13),
        governance=Inspection.Governance.IJB,
    )
    for entry in scope_for(framework=framework, scrutiny_kind=ScrutinyKind.CPO_INSPECTION):
        InspectionQI.objects.create(
            inspection=inspection,
            quality_indicator=entry.quality_indicator,
            evaluated=entry.evaluated,
        )
    lead = lead or person(Role.INSPECTOR)
    assignment_create(user=lead, kind="lead_inspector", target=activity)
    inspection.lead = lead
    return inspection


def assign(user, kind: str, inspection: Inspection):
    assignment_create(user=user, kind=kind, target=inspection.activity)
    user.refresh_from_db()
    return user


def cpo_record_data(i: int) -> dict:
    requirements = REQUIREMENT_MIX[i % len(REQUIREMENT_MIX)]
    return {
        "order_date": (dt.date(2018, 1, 8) + dt.timedelta(days=3 * i)).isoformat(),
        "status": "completed" if i % 3 else "current",
        "requirements": requirements,
        "unpaid_work_hours": 120 if "unpaid_work" in requirements else None,
        "supervision_months": 12 if "supervision" in requirements else None,
        "sex": "female" if i % 4 == 0 else "male",
        "age_band": "26_to_40",
        "team": "Clydebank" if i % 2 else "Dumbarton",
        "order_type": stratum_for_order_type(requirements),
    }


def make_population(inspection: Inspection, size: int = 40) -> Population:
    population = Population.objects.create(
        activity=inspection.activity, schema="cpo", row_count=size
    )
    PopulationRecord.objects.bulk_create(
        PopulationRecord(
            population=population,
            reference=f"WD-{i:05d}",
            row_number=i + 2,
            data=cpo_record_data(i),
        )
        for i in range(size)
    )
    return population


def make_sample(inspection: Inspection, size: int = 10, reserve: int = 5) -> Sample:
    """A sample of the first `size` records (by reference) and the next `reserve` as reserve."""
    population = inspection.activity.population
    sample = Sample.objects.create(
        activity=inspection.activity,
        seed="test-seed",
        algorithm_version=ALGORITHM_VERSION,
        calculated_size=size,
        size=size,
        allocation={"": size},
    )
    records = list(population.records.order_by("reference")[: size + reserve])
    SampleRecord.objects.bulk_create(
        SampleRecord(
            sample=sample,
            record=record,
            stratum=record.data["order_type"],
            rank=i + 1,
            role=SampleRecord.Role.SAMPLED if i < size else SampleRecord.Role.RESERVE,
        )
        for i, record in enumerate(records)
    )
    return sample
