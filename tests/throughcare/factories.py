"""Build thematic reviews, their areas, populations and samples for tests.

`make_review` and `make_area` go through the review services (so the team is assigned on each
area's activity, as in the product); `make_population` and `make_sample` build the shared
fieldwork rows directly, like tests/inspections/factories.py.
"""

import datetime as dt

from accounts.models import Organisation, Role
from inspections.models import Population, PopulationRecord, Sample, SampleRecord
from inspections.sampling import ALGORITHM_VERSION
from tests.factories import person
from throughcare import services
from throughcare.assignments import REVIEW_INSPECTOR
from throughcare.models import ReviewArea, ThematicReview

# A spread of licence types (DOMAIN §6.1), weighted roughly as throughcare statistics split them.
LICENCE_MIX = [
    ("non_parole", "4_to_under_10_years"),
    ("parole", "4_to_under_10_years"),
    ("sro", "1_to_under_4_years"),
    ("extended_sentence", "1_to_under_4_years"),
    ("non_parole", "10_years_and_over"),
    ("life_licence", "indeterminate"),
    ("section_15", "1_to_under_4_years"),
    ("parole", "10_years_and_over"),
    ("olr", "indeterminate"),
    ("non_parole", "4_to_under_10_years"),
]
AREA_PREFIX = {"glasgow-city": "GC", "west-dunbartonshire": "WD"}


def make_review(
    title: str = "Throughcare review of breach and recall",
    *,
    authorities: tuple[str, ...] = (),
    lead=None,
    inspectors: tuple = (),
    status: str | None = None,
    by=None,
    **values,
) -> ThematicReview:
    """Make a review with a lead (an inspector unless given), inspectors and areas.

    `review.lead` is the lead; `review.test_areas` the areas made, in order.
    """
    lead = lead or person(Role.INSPECTOR)
    values.setdefault("commissioned_by", "The Recover, Renew, Transform programme’s subgroup")
    values.setdefault("focus", "Breach of licence and recall to custody")
    values.setdefault("starts_on", dt.date(2021, 3, 1))
    review = services.review_create(title=title, lead=lead, by=by or lead, **values)
    for inspector in inspectors:
        services.review_team_assign(review=review, user=inspector, kind=REVIEW_INSPECTOR, by=lead)
    review.test_areas = [make_area(review, slug, by=lead) for slug in authorities]
    if status is not None:
        ThematicReview.objects.filter(pk=review.pk).update(status=status)
        review.status = status
    review.lead = lead
    return review


def make_area(review: ThematicReview, authority: str = "glasgow-city", *, by=None) -> ReviewArea:
    """Add an authority (by slug) to the review through the service."""
    organisation = Organisation.objects.get(slug=authority)
    return services.review_area_add(review=review, authority=organisation, by=by)


def throughcare_record_data(i: int) -> dict:
    licence, band = LICENCE_MIX[i % len(LICENCE_MIX)]
    return {
        "licence_type": licence,
        "release_date": (dt.date(2019, 4, 1) + dt.timedelta(days=5 * i)).isoformat(),
        "sentence_length_band": band,
        "status": ("on_licence", "breached", "recalled", "ended")[i % 4],
        "age_band": "26_to_40",
        "sex": "female" if i % 7 == 0 else "male",
        "team": "North" if i % 2 else "South",
        "licence_group": None,
    }


def make_population(area: ReviewArea, size: int = 40, prefix: str | None = None) -> Population:
    """A throughcare population of `size` records, licence types spread as LICENCE_MIX."""
    from throughcare.population_schema import licence_group

    prefix = prefix or AREA_PREFIX.get(area.activity.authority.slug, "TC")
    population = Population.objects.create(
        activity=area.activity, schema="throughcare", row_count=size
    )
    rows = []
    for i in range(size):
        data = throughcare_record_data(i)
        data["licence_group"] = licence_group(data["licence_type"])
        rows.append(
            PopulationRecord(
                population=population, reference=f"{prefix}-{i:05d}", row_number=i + 2, data=data
            )
        )
    PopulationRecord.objects.bulk_create(rows)
    return population


def make_sample(area: ReviewArea, size: int = 8) -> Sample:
    """A sample of the first `size` records by reference, stratified by licence type."""
    population = area.activity.population
    records = list(population.records.order_by("reference")[:size])
    allocation: dict[str, dict[str, int]] = {}
    for record in records:
        stratum = record.data["licence_type"]
        allocation.setdefault(stratum, {"population": 0, "allocated": 0})["allocated"] += 1
    for record in population.records.all():
        stratum = record.data["licence_type"]
        allocation.setdefault(stratum, {"population": 0, "allocated": 0})["population"] += 1
    sample = Sample.objects.create(
        activity=area.activity,
        seed="test-seed",
        algorithm_version=ALGORITHM_VERSION,
        stratify_by="licence_type",
        calculated_size=size,
        size=size,
        allocation=allocation,
    )
    SampleRecord.objects.bulk_create(
        SampleRecord(
            sample=sample,
            record=record,
            stratum=record.data["licence_type"],
            rank=rank,
            role=SampleRecord.Role.SAMPLED,
        )
        for rank, record in enumerate(records, start=1)
    )
    return sample
