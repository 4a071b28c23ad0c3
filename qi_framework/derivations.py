"""Rules that work out a question's answer from earlier answers or from the population record.

A derived question carries a rule as data, for example

    {"function": "within_working_days", "start": "order_date", "end": "lscmi_date", "days": 20}

Parameters named in `Derivation.question_params` name earlier questions of the same version;
the others are constants. The result must suit the question's kind (`result_kinds`). A rule
returns None when something it needs is unanswered, so the derived answer stays empty rather
than wrong. Working days come from core.calendar (Scottish public holidays, configurable).
"""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from core.calendar import WorkingDayCalendar, calendar_for

# Facts about the sampled person that the population record supplies ("context").
CONTEXT_KEYS: dict[str, str] = {
    "order_date": "the date the order was imposed",
    "end_date": "the date the order ends or ended",
    "requirements": "the requirements imposed",
    "unpaid_work_hours": "the unpaid work hours ordered",
    "age_band": "the person’s age band",
    "sex": "the person’s sex",
    # Throughcare population records (throughcare/population_schema.py).
    "licence_type": "the licence or order type",
    "release_date": "the date the person was released",
}

DATE, NUMBER, YES_NO_NA, SINGLE = "date", "number", "yes_no_na", "single_choice"
UNPAID_WORK_LEVELS = (("level_1", 20, 100), ("level_2", 101, 300))


class DerivationEnv:
    """What a rule may read besides answers: the context and a calendar read at most once."""

    def __init__(self, context: Mapping[str, Any] | None = None, calendar=None):
        self.context = dict(context or {})
        self._calendar = calendar

    @cached_property
    def calendar(self) -> WorkingDayCalendar:
        return self._calendar or calendar_for()


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def as_number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class Derivation:
    name: str
    compute: Callable[[Mapping[str, Any], Mapping[str, Any], DerivationEnv], Any]
    describe: Callable[[Mapping[str, Any], Callable[[str], str]], str]
    # parameter -> kinds of question it may name
    question_params: dict[str, frozenset[str]] = field(default_factory=dict)
    # parameter -> type of constant
    constant_params: dict[str, type] = field(default_factory=dict)
    result_kinds: frozenset[str] | None = None  # None: any kind


def _dates(spec, values) -> tuple[dt.date | None, dt.date | None]:
    return as_date(values.get(spec["start"])), as_date(values.get(spec["end"]))


def _working_days_between(spec, values, env):
    start, end = _dates(spec, values)
    if start is None or end is None or end < start:
        return None
    return env.calendar.working_days_between(start, end)


def _within_working_days(spec, values, env):
    days = _working_days_between(spec, values, env)
    if days is None:
        return None
    return "yes" if days <= int(spec["days"]) else "no"


def _months_between(spec, values, env):
    start, end = _dates(spec, values)
    if start is None or end is None or end < start:
        return None
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def _context(spec, values, env):
    return env.context.get(spec["key"])


def _unpaid_work_level(spec, values, env):
    hours = as_number(values.get(spec["hours"]))
    if hours is None:
        return None
    for level, low, high in UNPAID_WORK_LEVELS:
        if low <= hours <= high:
            return level
    return None


REGISTRY: dict[str, Derivation] = {
    d.name: d
    for d in [
        Derivation(
            name="context",
            compute=_context,
            describe=lambda s, q: (
                f"Filled in from the population record ({CONTEXT_KEYS.get(s['key'], s['key'])})"
            ),
            constant_params={"key": str},
        ),
        Derivation(
            name="working_days_between",
            compute=_working_days_between,
            describe=lambda s, q: (
                f"The working days from {q(s['start'])} to {q(s['end'])}, "
                "not counting weekends and public holidays"
            ),
            question_params={"start": frozenset({DATE}), "end": frozenset({DATE})},
            result_kinds=frozenset({NUMBER}),
        ),
        Derivation(
            name="within_working_days",
            compute=_within_working_days,
            describe=lambda s, q: (
                f"Yes when {q(s['end'])} is within {s['days']} working "
                f"day{'s' if s['days'] != 1 else ''} of {q(s['start'])} (weekends and public "
                "holidays are not working days), otherwise no"
            ),
            question_params={"start": frozenset({DATE}), "end": frozenset({DATE})},
            constant_params={"days": int},
            result_kinds=frozenset({YES_NO_NA}),
        ),
        Derivation(
            name="months_between",
            compute=_months_between,
            describe=lambda s, q: (f"The whole months from {q(s['start'])} to {q(s['end'])}"),
            question_params={"start": frozenset({DATE}), "end": frozenset({DATE})},
            result_kinds=frozenset({NUMBER}),
        ),
        Derivation(
            name="unpaid_work_level",
            compute=_unpaid_work_level,
            describe=lambda s, q: (
                f"From {q(s['hours'])}: level 1 for 20 to 100 hours, level 2 for 101 to 300 hours"
            ),
            question_params={"hours": frozenset({NUMBER})},
            result_kinds=frozenset({SINGLE}),
        ),
    ]
}


def derivation_describe(spec: Mapping[str, Any], question_name: Callable[[str], str]) -> str:
    """Return a rule in words; `question_name` turns a question code into its quoted text."""
    derivation = REGISTRY.get(spec.get("function", ""))
    if derivation is None:
        return f"An unknown rule “{spec.get('function')}”"
    return derivation.describe(spec, question_name)
