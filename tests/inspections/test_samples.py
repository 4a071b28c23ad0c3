"""The sample: reproducible draw, stratified allocation, reserve replacement, lock, double
reading, reader assignment, and the pages' permissions."""

import random

import pytest
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections.models import Population, PopulationRecord, Reading, SampleRecord
from inspections.services import (
    double_reading_select,
    readers_assign,
    readers_assign_evenly,
    sample_calculate,
    sample_draw,
    sample_lock,
    sample_replace_record,
)
from inspections.services import samples as svc
from tests.factories import login, person
from tests.inspections.factories import assign, cpo_record_data, make_inspection, make_population

pytestmark = pytest.mark.django_db


def _references(sample) -> list[str]:
    return list(
        sample.records.filter(role=SampleRecord.Role.SAMPLED)
        .order_by("stratum", "rank")
        .values_list("record__reference", flat=True)
    )


def test_same_seed_same_references_whatever_the_row_order(reference_data):
    first = make_inspection()
    second = make_inspection()
    rows = [(f"WD-{i:05d}", cpo_record_data(i)) for i in range(200)]
    for inspection, ordered in ((first, rows), (second, random.Random(7).sample(rows, len(rows)))):
        population = Population.objects.create(
            activity=inspection.activity, schema="cpo", row_count=len(rows)
        )
        PopulationRecord.objects.bulk_create(
            PopulationRecord(population=population, reference=ref, row_number=n, data=data)
            for n, (ref, data) in enumerate(ordered, start=2)
        )
    samples = [
        sample_draw(activity=i.activity, stratify_by="order_type", seed="fixed", by=i.lead)
        for i in (first, second)
    ]
    assert _references(samples[0]) == _references(samples[1])
    assert samples[0].algorithm_version == "sha256-rank-v1"


def test_stratified_allocation_with_minimum_and_override(inspection):
    make_population(inspection, size=100)
    calc = sample_calculate(
        activity=inspection.activity, stratify_by="order_type", minimum_per_stratum=30
    )
    assert all(n >= min(30, calc.strata[s]) for s, _, n in calc.rows())
    assert any("minimum" in line.lower() for line in calc.working)
    sample = sample_draw(
        activity=inspection.activity, stratify_by="order_type", override_size=20, by=inspection.lead
    )
    assert sample.size == 20
    assert sample.override_size == 20
    assert sum(v["allocated"] for v in sample.allocation.values()) == 20
    reserve = sample.records.filter(role=SampleRecord.Role.RESERVE)
    for stratum, values in sample.allocation.items():
        expected = min(
            values["population"] - values["allocated"], svc.reserve_size(values["allocated"])
        )
        assert reserve.filter(stratum=stratum).count() == expected


def test_replacement_takes_next_reserve_and_logs_reason(inspection):
    make_population(inspection, size=60)
    sample = sample_draw(
        activity=inspection.activity, override_size=10, seed="s", by=inspection.lead
    )
    target = sample.records.get(role=SampleRecord.Role.SAMPLED, rank=3)
    next_reserve = sample.records.filter(role=SampleRecord.Role.RESERVE).order_by("rank").first()
    replacement = sample_replace_record(
        sample_record=target, reason="File missing", by=inspection.lead
    )
    assert replacement.pk == next_reserve.pk
    assert replacement.replaces_id == target.pk
    target.refresh_from_db()
    assert target.status == SampleRecord.Status.REPLACED
    assert target.replaced_reason == "File missing"
    assert AuditEvent.objects.get(action="sample_record_replaced").detail == "File missing"


def test_exhausted_reserve_is_refused(inspection):
    make_population(inspection, size=6)
    sample = sample_draw(
        activity=inspection.activity, override_size=5, seed="s", by=inspection.lead
    )
    records = list(sample.records.filter(role=SampleRecord.Role.SAMPLED))
    sample_replace_record(sample_record=records[0], reason="Lost", by=inspection.lead)
    with pytest.raises(ApplicationError, match="no reserve records left"):
        sample_replace_record(sample_record=records[1], reason="Lost", by=inspection.lead)


def test_locked_sample_cannot_be_redrawn(inspection):
    make_population(inspection, size=30)
    sample = sample_draw(activity=inspection.activity, by=inspection.lead)
    sample_draw(activity=inspection.activity, by=inspection.lead)  # unlocked: redraw is fine
    sample.refresh_from_db()
    sample_lock(sample=sample, by=inspection.lead)
    with pytest.raises(ApplicationError, match="sample is locked"):
        sample_draw(activity=inspection.activity, by=inspection.lead)


def test_double_reading_share_is_rounded_up(inspection):
    make_population(inspection, size=100)
    sample = sample_draw(
        activity=inspection.activity, override_size=25, seed="s", by=inspection.lead
    )
    chosen = double_reading_select(sample=sample, share_percent=10, by=inspection.lead)
    assert len(chosen) == 3
    again = double_reading_select(sample=sample, share_percent=10, by=inspection.lead)
    assert {r.pk for r in again} == {r.pk for r in chosen}
    named = double_reading_select(
        sample=sample, references=[chosen[0].record.reference], by=inspection.lead
    )
    assert len(named) == 1
    with pytest.raises(ApplicationError, match="not in the sample"):
        double_reading_select(sample=sample, references=["nope"], by=inspection.lead)


def test_reader_assignment_rules(inspection):
    make_population(inspection, size=40)
    sample = sample_draw(
        activity=inspection.activity, override_size=10, seed="s", by=inspection.lead
    )
    double_reading_select(sample=sample, share_percent=20, by=inspection.lead)
    inspector = assign(person(Role.INSPECTOR), "inspector", inspection)
    outsider = person(Role.INSPECTOR)
    with pytest.raises(ApplicationError, match="not in the team"):
        readers_assign_evenly(sample=sample, readers=[outsider], by=inspection.lead)
    with pytest.raises(ApplicationError, match="at least two readers"):
        readers_assign_evenly(sample=sample, readers=[inspector], by=inspection.lead)
    created = readers_assign_evenly(
        sample=sample, readers=[inspection.lead, inspector], by=inspection.lead
    )
    assert created == 12
    for record in sample.records.filter(double_read=True):
        readers = list(record.readings.values_list("reader_id", flat=True))
        assert len(set(readers)) == 2
    record = sample.records.filter(double_read=True).first()
    first = record.readings.get(order=Reading.Order.FIRST)
    with pytest.raises(ApplicationError, match="must be by someone else"):
        readers_assign(
            sample=sample, assignments={first.reader_id: [record.pk]}, order=2, by=inspection.lead
        )


# --- Pages ------------------------------------------------------------------------------------


def test_lead_calculates_and_draws_through_the_pages(client, inspection):
    make_population(inspection, size=50)
    login(client, inspection.lead)
    url = reverse("inspections:sample_detail", args=[inspection.pk])
    params = {
        "confidence": "95",
        "margin": "9",
        "proportion": "50",
        "stratify_by": "order_type",
        "minimum_per_stratum": "2",
        "override_size": "",
        "calculate": "",
    }
    page = client.get(url, params).content.decode()
    assert "n₀ = z²" in page and "Draw the sample" in page
    params.pop("calculate")
    response = client.post(reverse("inspections:sample_draw", args=[inspection.pk]), params)
    assert response.status_code == 302
    assert inspection.activity.sample.size > 0
    export = client.get(reverse("inspections:sample_export", args=[inspection.pk, "csv"]))
    assert export.content.decode("utf-8-sig").startswith("Reference,Stratum,Rank")


def test_co_reader_cannot_draw(client, inspection):
    make_population(inspection, size=10)
    co_reader = assign(person(Role.LOCAL_COORDINATOR), "local_co_reader", inspection)
    login(client, co_reader)
    response = client.post(reverse("inspections:sample_draw", args=[inspection.pk]), {})
    assert response.status_code == 403


def test_other_authority_contact_gets_404_on_the_sample(client, inspection):
    login(client, person(Role.AUTHORITY_CONTACT, "glasgow-city"))
    assert client.get(reverse("inspections:sample_detail", args=[inspection.pk])).status_code == 404


def test_authority_contact_sees_sample_without_readers(client, inspection):
    make_population(inspection, size=20)
    sample_draw(activity=inspection.activity, override_size=5, by=inspection.lead)
    login(client, person(Role.AUTHORITY_CONTACT))
    page = client.get(reverse("inspections:sample_detail", args=[inspection.pk])).content.decode()
    assert "Records in the sample" in page
    assert "Readers</th>" not in page
