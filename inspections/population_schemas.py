"""What a population file holds for each kind of scrutiny: its columns, their values and checks.

A schema is registered by code (`ScrutinyActivity.population_schema`): CPO inspections use "cpo";
the throughcare review registers its own (licence types) with `register_schema`. The importer
(inspections.services.populations) reads any schema: it matches headers (case-insensitively,
with aliases), turns each cell into a normalised value by the column's type, then lets the
schema check the row as a whole (`row_check`) and add derived fields (`derive`).

Normalised values are what PopulationRecord.data stores and what readings take their context
from: ISO dates, integers, and the option codes of the reading instrument
(qi_framework/data/instruments/cpo_file_reading_v1.json) for requirements, sex, age band and
unpaid work level.
"""

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from inspections.sampling import stratum_for_order_type

__all__ = [
    "CPO",
    "Choice",
    "Column",
    "ColumnType",
    "PopulationSchema",
    "RowContext",
    "get_schema",
    "header_key",
    "register_schema",
    "schemas_all",
]


class ColumnType:
    TEXT = "text"
    DATE = "date"
    CHOICE = "choice"
    MULTI_CHOICE = "multi-choice"
    INTEGER = "integer"


@dataclass(frozen=True)
class Choice:
    value: str  # the code stored (the reading instrument's option value)
    label: str  # UK English, as people write it
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str = ColumnType.TEXT
    required: bool = False
    choices: tuple[Choice, ...] = ()
    aliases: tuple[str, ...] = ()
    help: str = ""
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200
    categorical: bool = False  # offered as a way to stratify the sample

    def headers(self) -> set[str]:
        """Return every header (normalised) this column answers to."""
        return {header_key(h) for h in (self.name, self.label, *self.aliases)}

    def choice_lookup(self) -> dict[str, str]:
        """Return normalised label/alias/code → code."""
        lookup: dict[str, str] = {}
        for choice in self.choices:
            for text in (choice.value, choice.label, *choice.aliases):
                lookup[header_key(text)] = choice.value
        return lookup

    def choice_label(self, value: str) -> str:
        return next((c.label for c in self.choices if c.value == value), value)


@dataclass(frozen=True)
class RowContext:
    """What row checks may compare against: today and the period records must fall in."""

    today: dt.date
    period_start: dt.date | None = None
    period_end: dt.date | None = None


RowCheck = Callable[[dict[str, Any], RowContext], list[tuple[str, str]]]
Derive = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class PopulationSchema:
    code: str
    label: str
    columns: tuple[Column, ...]
    row_check: RowCheck | None = None
    derive: Derive | None = None
    # Derived fields people may stratify by: name → label.
    derived_categories: Mapping[str, str] = field(default_factory=dict)
    guidance: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def stratify_choices(self) -> list[tuple[str, str]]:
        """Return (field, label) for each way a sample of this population can be stratified."""
        choices = list(self.derived_categories.items())
        choices += [(c.name, c.label) for c in self.columns if c.categorical]
        return choices

    def stratify_label(self, name: str) -> str:
        return dict(self.stratify_choices).get(name, name)


def header_key(text: object) -> str:
    """Return a header or option as compared: lower case, spaces for _ and -, single spaces."""
    text = str(text or "").replace("\ufeff", "").strip().lower()
    text = re.sub(r"[\s_\-–]+", " ", text)
    return text.strip()


_SCHEMAS: dict[str, PopulationSchema] = {}


def register_schema(schema: PopulationSchema) -> PopulationSchema:
    existing = _SCHEMAS.get(schema.code)
    if existing is not None and existing is not schema:
        raise ValueError(f"Population schema {schema.code!r} is already registered.")
    _SCHEMAS[schema.code] = schema
    return schema


def get_schema(code: str) -> PopulationSchema:
    try:
        return _SCHEMAS[code]
    except KeyError:
        raise LookupError(f"No population schema is registered as {code!r}.") from None


def schemas_all() -> list[PopulationSchema]:
    return list(_SCHEMAS.values())


# ---------------------------------------------------------------------------------------------
# Community payback orders
# ---------------------------------------------------------------------------------------------

# Option values match the reading instrument cpo-file-reading v1 (readings copy them as context).
REQUIREMENTS = (
    Choice(
        "unpaid_work", "Unpaid work or other activity", ("unpaid work", "upw", "other activity")
    ),
    Choice("supervision", "Offender supervision", ("supervision",)),
    Choice("compensation", "Compensation"),
    Choice("programme", "Programme", ("program",)),
    Choice("residence", "Residence"),
    Choice("mental_health_treatment", "Mental health treatment", ("mental health",)),
    Choice("drug_treatment", "Drug treatment"),
    Choice("alcohol_treatment", "Alcohol treatment"),
    Choice("conduct", "Conduct"),
    Choice(
        "restricted_movement",
        "Restricted movement (electronic monitoring)",
        ("restricted movement", "electronic monitoring"),
    ),
)

STATUSES = (
    Choice("current", "Current", ("live", "active", "open")),
    Choice("completed", "Completed", ("complete",)),
    Choice("breached", "Breached", ("breach",)),
    Choice("revoked", "Revoked"),
)
UNPAID_WORK_LEVELS = (
    Choice("level_1", "Level 1 (20 to 100 hours)", ("1", "level 1")),
    Choice("level_2", "Level 2 (101 to 300 hours)", ("2", "level 2")),
)
SEXES = (
    Choice("female", "Female", ("f", "woman")),
    Choice("male", "Male", ("m", "man")),
    Choice("not_recorded", "Not recorded", ("unknown", "not known")),
)
AGE_BANDS = (
    Choice("under_18", "Under 18", ("<18", "16 to 17", "16 17")),
    Choice("18_to_20", "18 to 20", ("18 20",)),
    Choice("21_to_25", "21 to 25", ("21 25",)),
    Choice("26_to_40", "26 to 40", ("26 40",)),
    Choice("41_and_over", "41 and over", ("41+", "41 plus", "over 40")),
)

UNPAID_WORK_HOURS_WITHOUT_REQUIREMENT = (
    "Unpaid work hours are given but the requirements do not include unpaid work. "
    "Add the requirement or remove the hours."
)
UNPAID_WORK_HOURS_MISSING = "Enter the unpaid work hours: the order has an unpaid work requirement."
LEVEL_MISMATCH = (
    "The unpaid work level does not match the hours: level 1 is 20 to 100 hours and level 2 "
    "is 101 to 300 hours."
)
SUPERVISION_WITHOUT_REQUIREMENT = (
    "A supervision length is given but the requirements do not include offender supervision. "
    "Add the requirement or remove the length."
)
END_BEFORE_START = "The end date is before the order date. Check both dates."
ORDER_DATE_FUTURE = "The order date is in the future. Check the date."
FINISHED_ORDER_ENDS_IN_FUTURE = (
    "The order is completed, breached or revoked but its end date is in the future. "
    "Check the status and the end date."
)
ENDED_BEFORE_PERIOD = (
    "The order ended before the inspection period starts ({start}), so it is not in scope. "
    "Remove the row."
)
STARTED_AFTER_PERIOD = (
    "The order was made after the inspection period ends ({end}), so it is not in scope. "
    "Remove the row."
)


def _date_label(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _cpo_row_check(data: dict[str, Any], context: RowContext) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    requirements = data.get("requirements") or []
    order_date = data.get("order_date")
    end_date = data.get("end_date")
    hours = data.get("unpaid_work_hours")
    if isinstance(order_date, dt.date) and order_date > context.today:
        problems.append(("order_date", ORDER_DATE_FUTURE))
    if isinstance(order_date, dt.date) and isinstance(end_date, dt.date) and end_date < order_date:
        problems.append(("end_date", END_BEFORE_START))
    if (
        isinstance(end_date, dt.date)
        and end_date > context.today
        and data.get("status") in {"completed", "breached", "revoked"}
    ):
        problems.append(("end_date", FINISHED_ORDER_ENDS_IN_FUTURE))
    if context.period_start and isinstance(end_date, dt.date) and end_date < context.period_start:
        problems.append(
            ("end_date", ENDED_BEFORE_PERIOD.format(start=_date_label(context.period_start)))
        )
    if context.period_end and isinstance(order_date, dt.date) and order_date > context.period_end:
        problems.append(
            ("order_date", STARTED_AFTER_PERIOD.format(end=_date_label(context.period_end)))
        )
    has_unpaid_work = "unpaid_work" in requirements
    if hours is not None and not has_unpaid_work:
        problems.append(("unpaid_work_hours", UNPAID_WORK_HOURS_WITHOUT_REQUIREMENT))
    if hours is None and has_unpaid_work and "requirements" in data:
        problems.append(("unpaid_work_hours", UNPAID_WORK_HOURS_MISSING))
    level = data.get("unpaid_work_level")
    if isinstance(hours, int) and level and level != ("level_1" if hours <= 100 else "level_2"):
        problems.append(("unpaid_work_level", LEVEL_MISMATCH))
    if data.get("supervision_months") is not None and "supervision" not in requirements:
        problems.append(("supervision_months", SUPERVISION_WITHOUT_REQUIREMENT))
    return problems


def _cpo_derive(data: dict[str, Any]) -> dict[str, Any]:
    hours = data.get("unpaid_work_hours")
    if isinstance(hours, int) and not data.get("unpaid_work_level"):
        data["unpaid_work_level"] = "level_1" if hours <= 100 else "level_2"
    requirements = data.get("requirements") or []
    data["order_type"] = stratum_for_order_type(requirements)
    return data


CPO = register_schema(
    PopulationSchema(
        code="cpo",
        label="Community payback orders",
        columns=(
            Column(
                "reference",
                "Reference",
                required=True,
                aliases=("case reference", "record reference", "pseudonymised reference", "ref"),
                help="The pseudonymised reference your service uses for the case record. "
                "Never a name, CHI number or date of birth.",
                max_length=64,
            ),
            Column(
                "order_date",
                "Order date",
                ColumnType.DATE,
                required=True,
                aliases=("date of order", "date imposed", "start date"),
                help="The date the court imposed the order, as 31/12/2018 or 2018-12-31.",
            ),
            Column(
                "end_date",
                "End date",
                ColumnType.DATE,
                aliases=("order end date", "date ended"),
                help="The date the order ended or is due to end. Leave empty if not known.",
            ),
            Column(
                "status",
                "Status",
                ColumnType.CHOICE,
                required=True,
                choices=STATUSES,
                aliases=("order status",),
                help="Current, completed, breached or revoked.",
                categorical=True,
            ),
            Column(
                "requirements",
                "Requirements",
                ColumnType.MULTI_CHOICE,
                required=True,
                choices=REQUIREMENTS,
                aliases=("requirements imposed",),
                help="Every requirement imposed, separated by ; or | (for example: "
                "Offender supervision; Unpaid work or other activity).",
            ),
            Column(
                "unpaid_work_hours",
                "Unpaid work hours",
                ColumnType.INTEGER,
                minimum=20,
                maximum=300,
                aliases=("hours", "upw hours"),
                help="Hours ordered, 20 to 300. Only for orders with unpaid work.",
            ),
            Column(
                "unpaid_work_level",
                "Unpaid work level",
                ColumnType.CHOICE,
                choices=UNPAID_WORK_LEVELS,
                aliases=("level", "upw level"),
                help="1 or 2. Leave empty to work it out from the hours.",
            ),
            Column(
                "supervision_months",
                "Supervision months",
                ColumnType.INTEGER,
                minimum=6,
                maximum=36,
                aliases=("supervision length", "length of supervision", "supervision"),
                help="Length of the supervision requirement in months, 6 to 36.",
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
                "age_band",
                "Age band",
                ColumnType.CHOICE,
                choices=AGE_BANDS,
                aliases=("age group",),
                help="Age at the date of the order: under 18, 18 to 20, 21 to 25, 26 to 40, "
                "41 and over.",
            ),
            Column(
                "team",
                "Team",
                aliases=("locality", "team or locality", "office"),
                help="The team or locality that manages the order.",
                max_length=100,
                categorical=True,
            ),
        ),
        row_check=_cpo_row_check,
        derive=_cpo_derive,
        derived_categories={"order_type": "Order type"},
        guidance=(
            "One row for each community payback order that was current at any time in the "
            "inspection period.",
            "Use the pseudonymised reference only. Do not include names, addresses, dates of "
            "birth or CHI numbers: files that do are refused.",
            "Keep the header row as it is. Dates as 31/12/2018 or 2018-12-31.",
            "Separate several requirements with ; or |.",
        ),
    )
)
