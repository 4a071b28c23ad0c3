"""The throughcare population: one row per person on a statutory licence or voluntary throughcare.

Registered as "throughcare" with `inspections.population_schemas.register_schema`, so a review
area's ScrutinyActivity (population_schema="throughcare") imports, samples and reads with the
shared machinery in `inspections`. The sample is stratified by `licence_type` (a categorical
column), with a minimum per type so every statutory licence type is read (DOMAIN §6.1, §12).

Option codes match the reading instrument throughcare-file-reading v1, which takes the licence
type, release date, age band and sex from the record as context.

Licence types are those of DOMAIN §6.1. Two names that sometimes appear in lists are left out
on purpose: home detention curfew (HDC) is early release managed by the Scottish Prison Service,
not a social work licence, and whether it is in the review's scope is unverified; "ORR" has no
source at all (possibly a mistake for OLR). A row with either is refused, like any unknown type,
with the list of types the review uses, rather than being stored under a guessed type.
"""

import datetime as dt
from typing import Any

from inspections.population_schemas import (
    AGE_BANDS,
    SEXES,
    Choice,
    Column,
    ColumnType,
    PopulationSchema,
    RowContext,
    register_schema,
)

__all__ = [
    "LICENCE_GROUPS",
    "LICENCE_TYPES",
    "SENTENCE_BANDS",
    "STATUSES",
    "THROUGHCARE",
    "licence_group",
]

# The reading tool fills these in from the population record (derived "context" questions).

LICENCE_TYPES = (
    Choice("parole", "Parole licence", ("parole",)),
    Choice("non_parole", "Non-parole licence", ("non parole", "npl")),
    Choice("life_licence", "Life licence", ("life", "lifer", "life sentence")),
    Choice(
        "olr",
        "Order for Lifelong Restriction",
        ("order for lifelong restriction (olr)", "lifelong restriction"),
    ),
    Choice("extended_sentence", "Extended sentence", ("extended", "extended sentence licence")),
    Choice(
        "sro",
        "Supervised release order",
        ("supervised release order (sro)", "supervised release"),
    ),
    Choice(
        "section_15",
        "Short-term sex offender licence (section 15)",
        (
            "short term sex offender licence",
            "section 15",
            "section 15 supervision",
            "s15",
            "s.15",
        ),
    ),
    Choice("voluntary", "Voluntary throughcare", ("voluntary",)),
)
# Short-term (under 4 years), long-term (4 years or more) and indeterminate sentences.
SENTENCE_BANDS = (
    Choice("under_1_year", "Under 1 year", ("less than 1 year", "under 12 months")),
    Choice("1_to_under_4_years", "1 year to under 4 years", ("1 to 4 years", "1 4 years")),
    Choice("4_to_under_10_years", "4 years to under 10 years", ("4 to 10 years", "4 10 years")),
    Choice("10_years_and_over", "10 years and over", ("10+ years", "10 years or more")),
    Choice("indeterminate", "Indeterminate (life or OLR)", ("indeterminate", "life")),
)
STATUSES = (
    Choice("on_licence", "On licence", ("current", "active", "live", "on order")),
    Choice("breached", "Breached", ("breach", "breach reported")),
    Choice("recalled", "Recalled", ("recall", "recalled to custody")),
    Choice("ended", "Ended", ("completed", "expired", "licence ended")),
)
# Derived: a way to stratify by kind of sentence as well as by licence type.
LICENCE_GROUPS = {
    "parole": "long_term",
    "non_parole": "long_term",
    "extended_sentence": "extended",
    "life_licence": "indeterminate",
    "olr": "indeterminate",
    "sro": "short_term",
    "section_15": "short_term",
    "voluntary": "voluntary",
}

SHORT_TERM_BANDS = {"under_1_year", "1_to_under_4_years"}
LONG_TERM_BANDS = {"4_to_under_10_years", "10_years_and_over"}

RELEASE_DATE_FUTURE = (
    "The release date is in the future. The population lists people already released: check "
    "the date, or remove the row if the person has not been released yet."
)
INDETERMINATE_NEEDS_BAND = (
    "A life licence or Order for Lifelong Restriction has an indeterminate sentence. Change the "
    "sentence length band to ‘Indeterminate (life or OLR)’ or check the licence type."
)
INDETERMINATE_BAND_WRONG_TYPE = (
    "Only a life licence or an Order for Lifelong Restriction has an indeterminate sentence. "
    "Check the licence type and the sentence length band."
)
LONG_TERM_NEEDS_BAND = (
    "A parole or non-parole licence follows a long-term sentence of 4 years or more. Check the "
    "licence type and the sentence length band."
)
SHORT_TERM_NEEDS_BAND = (
    "A supervised release order, a short-term sex offender licence or voluntary throughcare "
    "follows a short-term sentence of under 4 years. Check the licence type and the sentence "
    "length band."
)
VOLUNTARY_NOT_BREACHED = (
    "Voluntary throughcare is not a licence, so it cannot be breached or recalled. Check the "
    "licence type and the status."
)


def licence_group(licence_type: str | None) -> str | None:
    return LICENCE_GROUPS.get(licence_type or "")


def _row_check(data: dict[str, Any], context: RowContext) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    released = data.get("release_date")
    if isinstance(released, dt.date) and released > context.today:
        problems.append(("release_date", RELEASE_DATE_FUTURE))
    licence = data.get("licence_type")
    band = data.get("sentence_length_band")
    if licence and band:
        if licence in {"life_licence", "olr"} and band != "indeterminate":
            problems.append(("sentence_length_band", INDETERMINATE_NEEDS_BAND))
        elif licence not in {"life_licence", "olr"} and band == "indeterminate":
            problems.append(("sentence_length_band", INDETERMINATE_BAND_WRONG_TYPE))
        elif licence in {"parole", "non_parole"} and band not in LONG_TERM_BANDS:
            problems.append(("sentence_length_band", LONG_TERM_NEEDS_BAND))
        elif licence in {"sro", "section_15", "voluntary"} and band not in SHORT_TERM_BANDS:
            problems.append(("sentence_length_band", SHORT_TERM_NEEDS_BAND))
    if licence == "voluntary" and data.get("status") in {"breached", "recalled"}:
        problems.append(("status", VOLUNTARY_NOT_BREACHED))
    return problems


def _derive(data: dict[str, Any]) -> dict[str, Any]:
    data["licence_group"] = licence_group(data.get("licence_type"))
    return data


THROUGHCARE = register_schema(
    PopulationSchema(
        code="throughcare",
        label="People on throughcare licences",
        columns=(
            Column(
                "reference",
                "Reference",
                required=True,
                aliases=("case reference", "record reference", "pseudonymised reference", "ref"),
                help="The pseudonymised reference your service uses for the case record. "
                "Never a name, CHI number, prison number or date of birth.",
                max_length=64,
            ),
            Column(
                "licence_type",
                "Licence type",
                ColumnType.CHOICE,
                required=True,
                choices=LICENCE_TYPES,
                aliases=("licence", "order type", "licence or order type", "type of licence"),
                help="Parole licence, non-parole licence, life licence, Order for Lifelong "
                "Restriction, extended sentence, supervised release order, short-term sex "
                "offender licence (section 15) or voluntary throughcare. Home detention "
                "curfew is not included.",
                categorical=True,
            ),
            Column(
                "release_date",
                "Release date",
                ColumnType.DATE,
                required=True,
                aliases=("date of release", "released"),
                help="The date the person was released from custody, as 31/12/2020 or 2020-12-31.",
            ),
            Column(
                "sentence_length_band",
                "Sentence length band",
                ColumnType.CHOICE,
                required=True,
                choices=SENTENCE_BANDS,
                aliases=("sentence length", "sentence band", "length of sentence"),
                help="Under 1 year, 1 year to under 4 years, 4 years to under 10 years, 10 years "
                "and over, or indeterminate (life or OLR).",
                categorical=True,
            ),
            Column(
                "status",
                "Status",
                ColumnType.CHOICE,
                required=True,
                choices=STATUSES,
                aliases=("licence status",),
                help="On licence, breached, recalled or ended.",
                categorical=True,
            ),
            Column(
                "age_band",
                "Age band",
                ColumnType.CHOICE,
                choices=AGE_BANDS,
                aliases=("age group",),
                help="Age at release: under 18, 18 to 20, 21 to 25, 26 to 40, 41 and over.",
            ),
            Column(
                "sex",
                "Sex",
                ColumnType.CHOICE,
                choices=SEXES,
                aliases=("gender",),
                help="Female, male or not recorded.",
                categorical=True,
            ),
            Column(
                "team",
                "Team",
                aliases=("locality", "team or locality", "office"),
                help="The team or locality that supervises the licence.",
                max_length=100,
                categorical=True,
            ),
        ),
        row_check=_row_check,
        derive=_derive,
        derived_categories={"licence_group": "Kind of sentence"},
        guidance=(
            "One row for each person on a statutory throughcare licence, or receiving voluntary "
            "throughcare, at any time in the period the review looks at.",
            "Use the pseudonymised reference only. Do not include names, addresses, dates of "
            "birth, prison numbers or CHI numbers: files that do are refused.",
            "Keep the header row as it is. Dates as 31/12/2020 or 2020-12-31.",
            "Home detention curfew is not a throughcare licence for this review: leave it out.",
        ),
    )
)
