"""The throughcare sample: drawn by the shared inspections services from the area's population,
stratified by licence type with a minimum per type, so every licence type is read."""

from collections import Counter

import pytest
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from inspections import services as inspection_services
from inspections.models import Sample, SampleRecord
from tests.factories import login, person
from tests.throughcare.factories import make_population, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def area(reference_data):
    review = make_review(authorities=("glasgow-city",))
    area = review.test_areas[0]
    area.lead = review.lead
    return area


def sampled_by_type(sample: Sample) -> Counter:
    return Counter(
        sample.records.filter(role=SampleRecord.Role.SAMPLED).values_list("stratum", flat=True)
    )


def population_by_type(area) -> Counter:
    return Counter(r.data["licence_type"] for r in area.activity.population.records.all())


def test_stratified_draw_gives_every_licence_type_its_minimum(area):
    # 200 records of seven licence types: life licences, OLRs, SROs and the others are 10% each
    # of the mix, non-parole licences 30% and parole licences 20%.
    make_population(area, 200)
    sample = inspection_services.sample_draw(
        activity=area.activity,
        stratify_by="licence_type",
        minimum_per_stratum=5,
        override_size=60,
        seed="throughcare-2021",
        by=area.lead,
    )
    by_type = sampled_by_type(sample)
    population = population_by_type(area)
    assert set(by_type) == set(population)  # every licence type is in the sample
    assert all(count >= 5 for count in by_type.values())
    assert sum(by_type.values()) == 60
    # Beyond the minimum, the largest type (non-parole, 30%) gets the largest share.
    assert by_type["non_parole"] == max(by_type.values())
    # Each sampled record's stratum is its licence type.
    for record in sample.records.select_related("record"):
        assert record.stratum == record.record.data["licence_type"]


def test_a_type_smaller_than_the_minimum_is_read_in_full(area):
    make_population(area, 40)  # 4 life licences, 4 OLRs
    sample = inspection_services.sample_draw(
        activity=area.activity,
        stratify_by="licence_type",
        minimum_per_stratum=6,
        override_size=40,
        seed="s",
        by=area.lead,
    )
    by_type = sampled_by_type(sample)
    assert by_type["life_licence"] == 4
    assert by_type["olr"] == 4


def test_the_same_seed_draws_the_same_sample(area):
    make_population(area, 120)
    arguments = {
        "activity": area.activity,
        "stratify_by": "licence_type",
        "minimum_per_stratum": 3,
        "seed": "fixed-seed",
        "by": area.lead,
    }
    first = set(
        inspection_services.sample_draw(**arguments)
        .records.filter(role=SampleRecord.Role.SAMPLED)
        .values_list("record__reference", flat=True)
    )
    second = set(
        inspection_services.sample_draw(**arguments)
        .records.filter(role=SampleRecord.Role.SAMPLED)
        .values_list("record__reference", flat=True)
    )
    assert first == second and first


def test_without_a_population_there_is_no_sample(area):
    with pytest.raises(ApplicationError):
        inspection_services.sample_draw(
            activity=area.activity, stratify_by="licence_type", by=area.lead
        )


def test_the_review_lead_draws_the_sample_on_the_area_page(client, area):
    make_population(area, 100)
    login(client, area.lead)
    page_url = reverse("throughcare:area_sample", args=[area.review_id, area.pk])
    page = client.get(page_url)
    form = page.context["form"]
    assert form.fields["stratify_by"].initial == "licence_type"
    params = {
        "confidence": "95",
        "margin": "9",
        "proportion": "50",
        "stratify_by": "licence_type",
        "minimum_per_stratum": "4",
        "override_size": "",
    }
    calculated = client.get(page_url, {**params, "calculate": "1"})
    assert calculated.context["calculation"] is not None
    response = client.post(
        reverse("throughcare:area_sample_draw", args=[area.review_id, area.pk]), params
    )
    assert response.status_code == 302
    sample = Sample.objects.get(activity=area.activity)
    by_type = sampled_by_type(sample)
    assert len(by_type) == len(population_by_type(area)) and min(by_type.values()) >= 4
    html = client.get(page_url).content.decode()
    assert "Parole licence" in html and "Allocation by licence type" in html


def test_only_the_review_lead_draws(client, area):
    make_population(area, 50)
    inspector = person(Role.INSPECTOR)
    from throughcare import services

    services.review_team_assign(
        review=area.review, user=inspector, kind="review_inspector", by=area.lead
    )
    login(client, inspector)
    response = client.post(
        reverse("throughcare:area_sample_draw", args=[area.review_id, area.pk]),
        {"confidence": "95", "margin": "9", "proportion": "50", "stratify_by": "licence_type"},
    )
    assert response.status_code == 403
    assert not Sample.objects.filter(activity=area.activity).exists()


def test_authority_uploads_its_population_and_the_lead_draws_from_it(client, area):
    from django.core.files.uploadedfile import SimpleUploadedFile

    types = [
        ("Parole licence", "4 years to under 10 years"),
        ("Non-parole licence", "10 years and over"),
        ("Supervised release order", "1 year to under 4 years"),
        ("Life licence", "Indeterminate (life or OLR)"),
    ]
    lines = ["Reference,Licence type,Release date,Sentence length band,Status,Team"]
    for i in range(40):
        licence, band = types[i % len(types)]
        lines.append(f"GC-{i:04d},{licence},{(i % 27) + 1:02d}/03/2020,{band},On licence,North")
    contact = person(Role.AUTHORITY_CONTACT, "glasgow-city")
    login(client, contact)
    response = client.post(
        reverse("throughcare:area_population", args=[area.review_id, area.pk]),
        {"file": SimpleUploadedFile("population.csv", "\n".join(lines).encode())},
    )
    assert response.status_code == 302
    population = area.activity.population
    assert population.row_count == 40
    assert population_by_type(area) == Counter(
        {"parole": 10, "non_parole": 10, "sro": 10, "life_licence": 10}
    )
    page = client.get(reverse("throughcare:area_population", args=[area.review_id, area.pk]))
    assert "Supervised release order" in page.content.decode()
    # The authority cannot draw; the review lead can.
    params = {"confidence": "95", "margin": "9", "proportion": "50"}
    params |= {"stratify_by": "licence_type", "minimum_per_stratum": "3"}
    draw = reverse("throughcare:area_sample_draw", args=[area.review_id, area.pk])
    assert client.post(draw, params).status_code == 403
    login(client, area.lead)
    assert client.post(draw, params).status_code == 302
    by_type = sampled_by_type(Sample.objects.get(activity=area.activity))
    assert set(by_type) == {"parole", "non_parole", "sro", "life_licence"}
    assert min(by_type.values()) >= 3


def test_a_population_with_an_unknown_licence_type_is_refused_whole(client, area):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = (
        "Reference,Licence type,Release date,Sentence length band,Status\n"
        "GC-0001,Parole licence,01/03/2020,4 years to under 10 years,On licence\n"
        "GC-0002,Home detention curfew,02/03/2020,1 year to under 4 years,On licence\n"
    )
    login(client, person(Role.AUTHORITY_CONTACT, "glasgow-city"))
    response = client.post(
        reverse("throughcare:area_population", args=[area.review_id, area.pk]),
        {"file": SimpleUploadedFile("population.csv", csv.encode())},
    )
    assert response.status_code == 200
    assert response.context["problems"]
    assert "Row 3" in response.content.decode()
    from inspections.models import Population

    assert not Population.objects.filter(activity=area.activity).exists()
