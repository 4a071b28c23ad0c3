"""The working-day calendar: weekends and public holidays are not working days.

National standards count in working days ("first direct contact within 1 working day",
"LS/CMI within 20 working days"). Counting follows the usual reading of such a standard: the
day of the event is day 0 and the next working day is day 1, so

    working_days_between(order_date, contact_date) <= 1

means "contact within 1 working day", and `add_working_days(order_date, 20)` is the last day on
which something still counts as done within 20 working days.

Holidays come from the PublicHoliday table (seeded, UNVERIFIED, by `manage.py load_holidays` and
edited by administrators). Each module-level function reads a region's holidays in one query;
code that counts many intervals builds one `WorkingDayCalendar` with `calendar_for` and reuses it.
"""

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from core.exceptions import ApplicationError
from core.models import PublicHoliday
from core.services import audit_record

DEFAULT_REGION = "scotland"
HOLIDAYS_FILE = Path(__file__).resolve().parent / "data" / "scottish_public_holidays.json"

HOLIDAY_EXISTS = "There is already a public holiday on that date."
HOLIDAY_ON_WEEKEND = "That date is a Saturday or Sunday, which is never a working day."
HOLIDAY_NAME_MISSING = "Enter the name of the holiday."


def _weekdays_up_to(day: dt.date) -> int:
    """Return the number of Mondays to Fridays from 1 January of year 1 up to `day` inclusive."""
    # Ordinal 1 (1 January of year 1) was a Monday, so each run of 7 ordinals is Monday..Sunday.
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Working-day arithmetic over a fixed set of holidays (no database access)."""

    holidays: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Return the working days after `start` up to and including `end`.

        The same day gives 0; the next working day gives 1. When `end` is before `start` the
        count is negative (the working days from `end` to `start`, negated).
        """
        if end < start:
            return -self.working_days_between(end, start)
        weekdays = _weekdays_up_to(end) - _weekdays_up_to(start)
        holidays = sum(1 for h in self.holidays if start < h <= end and h.weekday() < 5)
        return weekdays - holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """Return the date `days` working days after `start` (before it when negative).

        With 0 the date is `start` itself, working day or not.
        """
        step = dt.timedelta(days=1 if days >= 0 else -1)
        remaining = abs(days)
        day = start
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day


def calendar_for(*, region: str = DEFAULT_REGION) -> WorkingDayCalendar:
    """Return the calendar of a region, reading its holidays in one query."""
    return WorkingDayCalendar(
        frozenset(PublicHoliday.objects.filter(region=region).values_list("date", flat=True))
    )


def is_working_day(
    day: dt.date, *, region: str = DEFAULT_REGION, calendar: WorkingDayCalendar | None = None
) -> bool:
    return (calendar or calendar_for(region=region)).is_working_day(day)


def working_days_between(
    start: dt.date,
    end: dt.date,
    *,
    region: str = DEFAULT_REGION,
    calendar: WorkingDayCalendar | None = None,
) -> int:
    return (calendar or calendar_for(region=region)).working_days_between(start, end)


def add_working_days(
    start: dt.date,
    days: int,
    *,
    region: str = DEFAULT_REGION,
    calendar: WorkingDayCalendar | None = None,
) -> dt.date:
    return (calendar or calendar_for(region=region)).add_working_days(start, days)


# Administrators' edits and the seed loader.


def _read(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def public_holidays_load(
    *, data: dict[str, Any] | None = None, path: Path | None = None, by=None
) -> int:
    """Load a holidays data file; return how many days were added.

    A year that already has holidays for the region is left exactly as it is, so days that
    administrators added or removed stay that way when the loader runs again.
    """
    if data is None:
        data = _read(path or HOLIDAYS_FILE)
    region = data.get("region", DEFAULT_REGION)
    rows = [(dt.date.fromisoformat(h["date"]), h["name"]) for h in data["holidays"]]
    years_present = {
        d.year for d in PublicHoliday.objects.filter(region=region).values_list("date", flat=True)
    }
    new = [
        PublicHoliday(region=region, date=day, name=name)
        for day, name in rows
        if day.year not in years_present
    ]
    PublicHoliday.objects.bulk_create(new)
    if new:
        audit_record(
            action="public_holidays_loaded",
            actor=by,
            new={"region": region, "years": sorted({h.date.year for h in new}), "days": len(new)},
        )
    return len(new)


@transaction.atomic
def public_holiday_create(
    *, day: dt.date, name: str, region: str = DEFAULT_REGION, by=None
) -> PublicHoliday:
    name = name.strip()
    if not name:
        raise ApplicationError(HOLIDAY_NAME_MISSING)
    if day.weekday() >= 5:
        raise ApplicationError(HOLIDAY_ON_WEEKEND)
    if PublicHoliday.objects.filter(region=region, date=day).exists():
        raise ApplicationError(HOLIDAY_EXISTS)
    holiday = PublicHoliday.objects.create(region=region, date=day, name=name)
    audit_record(
        action="public_holiday_added",
        actor=by,
        obj=holiday,
        new={"date": day.isoformat(), "name": name, "region": region},
    )
    return holiday


@transaction.atomic
def public_holiday_delete(*, holiday: PublicHoliday, by=None) -> None:
    old = {"date": holiday.date.isoformat(), "name": holiday.name, "region": holiday.region}
    audit_record(action="public_holiday_removed", actor=by, obj=holiday, old=old)
    holiday.delete()


def public_holidays(
    *, region: str = DEFAULT_REGION, years: Iterable[int] | None = None
) -> list[PublicHoliday]:
    qs = PublicHoliday.objects.filter(region=region)
    if years is not None:
        qs = qs.filter(date__year__in=list(years))
    return list(qs.order_by("date"))


def public_holiday_years(*, region: str = DEFAULT_REGION) -> list[int]:
    return sorted(
        {d.year for d in PublicHoliday.objects.filter(region=region).values_list("date", flat=True)}
    )


def holidays_note() -> str:
    """Return the seed file's note on where the list comes from and how far to trust it."""
    return _read(HOLIDAYS_FILE).get("note", "")
