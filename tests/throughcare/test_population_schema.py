"""The throughcare population schema: licence types, actionable row checks and stratification
by licence type with a minimum per type (the draw through the review's services is T1's)."""

import datetime as dt

import pytest

from accounts.models import Organisation, Role
from inspections import sampling
from inspections.models import Population, PopulationRecord, ScrutinyActivity
from inspections.population_schemas import RowContext, get_schema
from inspections.services import population_parse, sample_calculate, sample_draw
from qi_framework.derivations import CONTEXT_KEYS
from qi_framework.instruments import instrument_version_current
from tests.factories import person
from throughcare import population_schema as tc
from throughcare.population_schema import THROUGHCARE

HEADER = "Reference,Licence type,Release date,Sentence length band,Status,Age band,Sex,Team"
GOOD_ROWS = [
    "TC-001,Parole licence,12/03/2020,4 years to under 10 years,On licence,26 to 40,Male,North",
    "TC-002,non-parole,2020-06-01,10 years and over,recalled,41 and over,female,South",
    "TC-003,Life licence,01/09/2019,Indeterminate (life or OLR),breached,41+,m,North",
    "TC-004,OLR,01/10/2019,indeterminate,on licence,41 and over,male,",
    "TC-005,Extended sentence,02/02/2020,1 year to under 4 years,ended,21 to 25,Not recorded,South",
    "TC-006,SRO,03/03/2020,Under 1 year,Recalled,18 to 20,male,North",
    "TC-007,Section 15,04/04/2020,1 to 4 years,on licence,26 to 40,male,South",
    "TC-008,Voluntary throughcare,05/05/2020,Under 12 months,ended,21 to 25,female,North",
]
CONTEXT = RowContext(today=dt.date(2021, 4, 1))


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def parse(*rows: str, header: str = HEADER):
    return population_parse(
        data=csv_bytes(*rows, header=header), kind="csv", schema=THROUGHCARE, context=CONTEXT
    )


def messages_of(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in result.errors]


def test_schema_is_registered_at_start_up():
    assert get_schema("throughcare") is THROUGHCARE
    assert ("licence_type", "Licence type") in THROUGHCARE.stratify_choices


def test_good_file_is_normalised_to_the_reading_tool_codes():
    result = parse(*GOOD_ROWS)
    assert result.ok, result.errors
    rows = {reference: data for _, reference, data in result.rows}
    assert [rows[f"TC-00{i}"]["licence_type"] for i in range(1, 9)] == [
        "parole",
        "non_parole",
        "life_licence",
        "olr",
        "extended_sentence",
        "sro",
        "section_15",
        "voluntary",
    ]
    assert rows["TC-001"]["release_date"] == "2020-03-12"
    assert rows["TC-002"]["status"] == "recalled"
    assert rows["TC-003"]["age_band"] == "41_and_over"
    assert rows["TC-003"]["sex"] == "male"
    assert rows["TC-007"]["sentence_length_band"] == "1_to_under_4_years"
    # The derive step groups licence types by kind of sentence.
    assert rows["TC-001"]["licence_group"] == "long_term"
    assert rows["TC-004"]["licence_group"] == "indeterminate"
    assert rows["TC-006"]["licence_group"] == "short_term"


@pytest.mark.parametrize("excluded", ["HDC", "Home detention curfew", "ORR"])
def test_licence_types_outside_the_review_are_refused_with_the_list(excluded):
    result = parse(f"TC-009,{excluded},01/01/2020,Under 1 year,on licence,26 to 40,male,North")
    assert not result.ok
    (row, column, message) = messages_of(result)[0]
    assert (row, column) == (2, "Licence type")
    assert f"‘{excluded}’ is not a recognised licence type" in message
    assert "Parole licence" in message and "Voluntary throughcare" in message


def test_bad_rows_are_listed_with_what_to_do():
    result = parse(
        GOOD_ROWS[0],
        "TC-010,Parole licence,01/01/2020,Under 1 year,on licence,26 to 40,male,North",
        "TC-011,Life licence,01/01/2020,10 years and over,on licence,41 and over,male,North",
        "TC-012,SRO,01/01/2020,Indeterminate,on licence,21 to 25,male,North",
        "TC-013,SRO,01/01/2020,4 years to under 10 years,on licence,21 to 25,male,North",
        "TC-014,Voluntary throughcare,01/01/2020,Under 1 year,recalled,21 to 25,male,North",
        "TC-015,Parole licence,01/01/2022,4 years to under 10 years,on licence,26 to 40,male,North",
        "TC-016,Parole licence,,4 years to under 10 years,sometimes,26 to 40,male,North",
    )
    assert not result.ok
    assert result.rows == []  # all or nothing
    assert messages_of(result) == [
        (3, "Sentence length band", tc.LONG_TERM_NEEDS_BAND),
        (4, "Sentence length band", tc.INDETERMINATE_NEEDS_BAND),
        (5, "Sentence length band", tc.INDETERMINATE_BAND_WRONG_TYPE),
        (6, "Sentence length band", tc.SHORT_TERM_NEEDS_BAND),
        (7, "Status", tc.VOLUNTARY_NOT_BREACHED),
        (8, "Release date", tc.RELEASE_DATE_FUTURE),
        (9, "Release date", "Enter the release date."),
        (
            9,
            "Status",
            "‘sometimes’ is not a recognised status. Use one of: On licence, Breached, "
            "Recalled, Ended.",
        ),
    ]


def test_personal_identifier_columns_are_refused():
    result = parse(GOOD_ROWS[0] + ",01/01/1980", header=HEADER + ",Date of birth")
    assert not result.ok
    assert any(column == "Date of birth" for _, column, _ in messages_of(result))


def test_the_reading_tool_takes_the_licence_type_from_the_record():
    # The keys the reading service copies from a record into derived questions.
    assert {"licence_type", "release_date", "age_band", "sex"} <= set(CONTEXT_KEYS)


def test_allocation_by_licence_type_gives_each_type_its_minimum():
    sizes = {"parole": 120, "non_parole": 90, "sro": 60, "life_licence": 4, "olr": 2}
    allocation = sampling.allocate(strata=sizes, total=40, minimum=3)
    assert sum(allocation.values()) == 40
    assert allocation["olr"] == 2  # the whole stratum when it has fewer than the minimum
    assert allocation["life_licence"] >= 3
    assert allocation["parole"] > allocation["sro"]


@pytest.fixture
def throughcare_activity(reference_data, framework):
    authority = Organisation.objects.filter(kind=Organisation.Kind.LOCAL_AUTHORITY).first()
    return ScrutinyActivity.objects.create(
        title="Throughcare review: test area",
        scrutiny_kind="throughcare_review",
        authority=authority,
        framework=framework,
        population_schema="throughcare",
        reading_instrument=instrument_version_current(code="throughcare-file-reading"),
    )


def _population(activity, counts: dict[str, int]) -> Population:
    population = Population.objects.create(activity=activity, schema="throughcare", row_count=0)
    rows = []
    for licence, count in counts.items():
        for i in range(count):
            rows.append(
                PopulationRecord(
                    population=population,
                    reference=f"{licence}-{i:03d}",
                    row_number=len(rows) + 2,
                    data={"licence_type": licence, "status": "on_licence"},
                )
            )
    PopulationRecord.objects.bulk_create(rows)
    population.row_count = len(rows)
    population.save()
    return population


@pytest.mark.django_db
def test_sample_stratified_by_licence_type_reads_every_type(throughcare_activity):
    _population(throughcare_activity, {"parole": 150, "non_parole": 100, "sro": 40, "olr": 3})
    calculation = sample_calculate(
        activity=throughcare_activity, stratify_by="licence_type", minimum_per_stratum=5
    )
    allocation = dict(calculation.allocation)
    assert set(allocation) == {"parole", "non_parole", "sro", "olr"}
    assert allocation["olr"] == 3
    assert allocation["sro"] >= 5
    assert "stratified by licence type" in " ".join(calculation.working).lower()

    sample = sample_draw(
        activity=throughcare_activity,
        stratify_by="licence_type",
        minimum_per_stratum=5,
        seed="fixed-seed",
        by=person(Role.INSPECTOR),
    )
    drawn = sample.records.filter(role="sampled").values_list(
        "record__data__licence_type", flat=True
    )
    assert set(drawn) == {"parole", "non_parole", "sro", "olr"}
