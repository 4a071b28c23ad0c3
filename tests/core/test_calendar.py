"""The working-day calendar: weekends, Scottish public holidays and substitute days."""

import datetime as dt
import json

import pytest
from django.core.management import call_command

from core import calendar
from core.calendar import WorkingDayCalendar
from core.exceptions import ApplicationError
from core.models import AuditEvent, PublicHoliday

D = dt.date


def _easter(year: int) -> dt.date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher), independent of the seed generator."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return D(year, month, day + 1)


def _brute_force_between(cal: WorkingDayCalendar, start: dt.date, end: dt.date) -> int:
    sign = 1 if end >= start else -1
    low, high = sorted((start, end))
    count, day = 0, low
    while day < high:
        day += dt.timedelta(days=1)
        count += cal.is_working_day(day)
    return sign * count


# Arithmetic with a fixed set of holidays (no database).

CHRISTMAS_2019 = WorkingDayCalendar(frozenset({D(2019, 12, 25), D(2019, 12, 26)}))


def test_same_day_is_zero_and_next_working_day_is_one():
    cal = WorkingDayCalendar()
    friday = D(2026, 11, 27)
    assert cal.working_days_between(friday, friday) == 0
    assert cal.working_days_between(friday, D(2026, 11, 28)) == 0  # Saturday
    assert cal.working_days_between(friday, D(2026, 11, 29)) == 0  # Sunday
    assert cal.working_days_between(friday, D(2026, 11, 30)) == 1  # Monday


def test_a_weekend_start_counts_from_monday():
    cal = WorkingDayCalendar()
    assert cal.working_days_between(D(2026, 11, 28), D(2026, 11, 30)) == 1
    assert cal.add_working_days(D(2026, 11, 28), 1) == D(2026, 11, 30)
    assert cal.add_working_days(D(2026, 11, 29), 0) == D(2026, 11, 29)


def test_whole_weeks_are_five_working_days():
    cal = WorkingDayCalendar()
    assert cal.working_days_between(D(2026, 1, 5), D(2026, 1, 12)) == 5
    assert cal.working_days_between(D(2026, 1, 5), D(2027, 1, 4)) == 260


def test_end_before_start_is_negative():
    assert CHRISTMAS_2019.working_days_between(D(2019, 12, 27), D(2019, 12, 24)) == -1
    assert CHRISTMAS_2019.add_working_days(D(2019, 12, 27), -1) == D(2019, 12, 24)
    assert CHRISTMAS_2019.add_working_days(D(2019, 12, 30), -2) == D(2019, 12, 24)


def test_a_holiday_on_a_weekend_is_not_subtracted_twice():
    saturday = D(2026, 11, 28)
    cal = WorkingDayCalendar(frozenset({saturday}))
    assert cal.working_days_between(D(2026, 11, 27), D(2026, 12, 4)) == 5


@pytest.mark.parametrize("days", [0, 1, 2, 5, 7, 19, 20, 21, 60, 250])
def test_adding_then_counting_gives_the_same_number(days):
    start = D(2019, 12, 20)
    end = CHRISTMAS_2019.add_working_days(start, days)
    assert CHRISTMAS_2019.working_days_between(start, end) == days
    if days:
        assert CHRISTMAS_2019.is_working_day(end)


def test_counting_matches_day_by_day_counting_over_two_years():
    holidays = frozenset({D(2019, 12, 25), D(2019, 12, 26), D(2020, 1, 1), D(2020, 1, 2)})
    cal = WorkingDayCalendar(holidays)
    start = D(2019, 11, 1)
    for offset in range(0, 400, 3):
        for span in (0, 1, 4, 9, 33):
            a = start + dt.timedelta(days=offset)
            b = a + dt.timedelta(days=span)
            assert cal.working_days_between(a, b) == _brute_force_between(cal, a, b), (a, b)
            assert cal.working_days_between(b, a) == _brute_force_between(cal, b, a), (b, a)


# The seeded Scottish calendar (loaded by the test session from the data file).


@pytest.mark.django_db
def test_christmas_and_new_year_2019_make_the_20th_working_day_23_january():
    order = D(2019, 12, 20)
    assert calendar.working_days_between(order, D(2020, 1, 23)) == 20
    assert calendar.working_days_between(order, D(2020, 1, 24)) == 21
    assert calendar.add_working_days(order, 20) == D(2020, 1, 23)
    # Without the four holidays the 20th working day would have been 17 January.
    assert WorkingDayCalendar().add_working_days(order, 20) == D(2020, 1, 17)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2019, 12, 24), True),
        (D(2019, 12, 25), False),
        (D(2019, 12, 26), False),
        (D(2019, 12, 27), True),
        (D(2020, 1, 1), False),
        (D(2020, 1, 2), False),  # 2 January is a holiday in Scotland
        (D(2020, 1, 3), True),
        (D(2020, 4, 10), False),  # Good Friday
        (D(2020, 4, 13), True),  # Easter Monday is not a Scottish bank holiday
        (D(2020, 5, 4), True),  # the early May holiday moved to 8 May in 2020 (VE Day)
        (D(2020, 5, 8), False),
        (D(2020, 8, 3), False),  # summer bank holiday: first Monday in August
        (D(2020, 8, 31), True),  # the English late summer holiday is a working day
        (D(2020, 11, 30), False),  # St Andrew's Day
        (D(2020, 12, 28), False),  # Boxing Day (Saturday) moved to Monday
        (D(2021, 1, 4), False),  # 2 January (Saturday) moved to Monday
        (D(2021, 12, 27), False),  # Christmas Day (Saturday) moved to Monday
        (D(2021, 12, 28), False),  # Boxing Day (Sunday) moved to Tuesday
        (D(2022, 1, 3), False),  # New Year's Day (Saturday) moved to Monday
        (D(2022, 1, 4), False),  # 2 January (Sunday) moved to Tuesday
        (D(2022, 9, 19), False),  # the State Funeral
        (D(2022, 12, 27), False),  # Christmas Day (Sunday) moved to Tuesday
        (D(2019, 12, 2), False),  # St Andrew's Day (Saturday) moved to Monday
        (D(2019, 11, 29), True),
        (D(2023, 5, 8), False),  # the coronation
        (D(2026, 12, 28), False),  # Boxing Day (Saturday) moved to Monday
    ],
)
def test_scottish_holidays_and_substitute_days(day, working):
    assert calendar.is_working_day(day) is working


@pytest.mark.django_db
def test_working_days_across_easter_2020():
    # Thursday before Good Friday to Tuesday after Easter Monday: Monday and Tuesday count.
    assert calendar.working_days_between(D(2020, 4, 9), D(2020, 4, 14)) == 2


@pytest.mark.django_db
def test_working_days_across_a_substitute_day():
    # New Year 2022: both holidays fell at the weekend and moved to Monday 3 and Tuesday 4.
    assert calendar.add_working_days(D(2021, 12, 31), 1) == D(2022, 1, 5)
    # Christmas 2021 also moved (to 27 and 28 December): two weeks hold only 6 working days.
    assert calendar.working_days_between(D(2021, 12, 24), D(2022, 1, 7)) == 6


@pytest.mark.django_db
def test_each_call_reads_the_holidays_once(django_assert_num_queries):
    with django_assert_num_queries(1):
        calendar.working_days_between(D(2016, 1, 1), D(2030, 12, 31))
    cal = calendar.calendar_for()
    with django_assert_num_queries(0):
        for n in range(50):
            calendar.add_working_days(D(2020, 1, 1), n, calendar=cal)


@pytest.mark.django_db
def test_holidays_of_another_region_do_not_count():
    PublicHoliday.objects.create(region="elsewhere", date=D(2020, 3, 2), name="Local day")
    assert calendar.is_working_day(D(2020, 3, 2))
    assert not calendar.is_working_day(D(2020, 3, 2), region="elsewhere")


# The data file and its loader.


def test_the_data_file_is_marked_unverified_and_has_only_weekdays():
    data = json.loads(calendar.HOLIDAYS_FILE.read_text(encoding="utf-8"))
    assert data["status"] == "UNVERIFIED"
    assert "Easter Monday is not" in data["note"]
    days = [D.fromisoformat(h["date"]) for h in data["holidays"]]
    assert len(days) == len(set(days))
    assert all(day.weekday() < 5 for day in days)
    assert {day.year for day in days} == set(range(2016, 2031))
    for year in range(2016, 2031):
        in_year = {day for day in days if day.year == year}
        assert len(in_year) >= 9, year
        assert _easter(year) - dt.timedelta(days=2) in in_year  # Good Friday
        assert _easter(year) + dt.timedelta(days=1) not in in_year  # Easter Monday


@pytest.mark.django_db
def test_loading_again_changes_nothing():
    before = PublicHoliday.objects.count()
    assert before == 138
    assert calendar.public_holidays_load() == 0
    assert PublicHoliday.objects.count() == before


@pytest.mark.django_db
def test_a_removed_holiday_stays_removed_but_a_missing_year_is_loaded():
    PublicHoliday.objects.filter(date=D(2030, 11, 29)).delete()  # an administrator's choice
    assert calendar.public_holidays_load() == 0
    assert not PublicHoliday.objects.filter(date=D(2030, 11, 29)).exists()

    PublicHoliday.objects.filter(date__year=2029).delete()
    assert calendar.public_holidays_load() == 9
    assert PublicHoliday.objects.filter(date__year=2029).count() == 9
    event = AuditEvent.objects.filter(action="public_holidays_loaded").first()
    assert event.new_value["years"] == [2029]


@pytest.mark.django_db
def test_load_holidays_command_is_idempotent(capsys):
    call_command("load_holidays")
    assert "nothing was changed" in capsys.readouterr().out


@pytest.mark.django_db
def test_administrator_adds_and_removes_a_holiday_with_an_audit_entry():
    holiday = calendar.public_holiday_create(day=D(2031, 1, 1), name=" New Year’s Day ")
    assert holiday.name == "New Year’s Day"
    assert not calendar.is_working_day(D(2031, 1, 1))
    added = AuditEvent.objects.get(action="public_holiday_added")
    assert added.new_value == {"date": "2031-01-01", "name": "New Year’s Day", "region": "scotland"}

    calendar.public_holiday_delete(holiday=holiday)
    assert calendar.is_working_day(D(2031, 1, 1))
    removed = AuditEvent.objects.get(action="public_holiday_removed")
    assert removed.old_value["date"] == "2031-01-01"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "name", "message"),
    [
        (D(2031, 1, 4), "A Saturday", calendar.HOLIDAY_ON_WEEKEND),
        (D(2020, 12, 25), "Christmas again", calendar.HOLIDAY_EXISTS),
        (D(2031, 1, 6), "   ", calendar.HOLIDAY_NAME_MISSING),
    ],
)
def test_adding_a_holiday_is_refused_with_a_reason(day, name, message):
    with pytest.raises(ApplicationError) as error:
        calendar.public_holiday_create(day=day, name=name)
    assert error.value.message == message
