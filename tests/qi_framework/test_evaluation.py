"""The evaluation API: conditions, derived answers, typed parsing and what is still missing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test.utils import isolate_apps

from qi_framework import instruments
from qi_framework.instruments import (
    compute_derived,
    conditions,
    instrument_evaluate,
    missing_required,
    validate_answer,
    visible_questions,
)
from qi_framework.instruments import evaluation as ev
from qi_framework.models import AnswerBase, Question

D = dt.date


@pytest.fixture
def cpo(reference_data):
    return instruments.instrument_version_current(code="cpo-file-reading")


def _codes(questions) -> set[str]:
    return {q.code for q in questions}


def _context(**overrides):
    context = {"order_date": "2019-12-20", "requirements": ["supervision"], "sex": "male"}
    return {**context, **overrides}


LSCMI = {"lscmi_completed", "lscmi_quality"}
STANDALONE_UPW = {"upw_risk_need_process", "upw_concerns_identified"}


# Conditions in the CPO reading tool.


@pytest.mark.django_db
def test_lscmi_questions_show_only_with_a_supervision_requirement(cpo):
    upw_only = _codes(visible_questions(cpo, {}, _context(requirements=["unpaid_work"])))
    assert not LSCMI & upw_only
    both = _codes(visible_questions(cpo, {}, _context(requirements=["unpaid_work", "supervision"])))
    assert {"lscmi_completed"} <= both
    # Questions that depend on the answer stay hidden until it is given.
    assert "lscmi_completed_date" not in both
    answered = _codes(visible_questions(cpo, {"lscmi_completed": "yes"}, _context()))
    assert {"lscmi_completed_date", "lscmi_within_20_days", "lscmi_quality"} <= answered
    not_done = _codes(visible_questions(cpo, {"lscmi_completed": "no"}, _context()))
    assert "lscmi_quality" not in not_done


@pytest.mark.django_db
def test_standalone_unpaid_work_questions_show_only_for_unpaid_work_alone(cpo):
    alone = _codes(visible_questions(cpo, {}, _context(requirements=["unpaid_work"])))
    assert alone >= STANDALONE_UPW
    assert "upw_first_placement_date" in alone
    with_supervision = _codes(
        visible_questions(cpo, {}, _context(requirements=["unpaid_work", "supervision"]))
    )
    assert not STANDALONE_UPW & with_supervision
    assert "upw_first_placement_date" in with_supervision
    supervision_only = _codes(visible_questions(cpo, {}, _context()))
    assert not STANDALONE_UPW & supervision_only
    assert "upw_first_placement_date" not in supervision_only


@pytest.mark.django_db
def test_without_population_facts_conditional_sections_stay_hidden(cpo):
    shown = _codes(visible_questions(cpo, {}))
    assert "lscmi_completed" not in shown
    assert "upw_risk_need_process" not in shown
    assert {"order_status", "cjswr_prepared", "recording_quality"} <= shown


@pytest.mark.django_db
def test_answers_to_hidden_questions_are_ignored(cpo):
    answers = {"lscmi_completed": "yes", "lscmi_completed_date": D(2020, 3, 1)}
    result = instrument_evaluate(cpo, answers, _context(requirements=["unpaid_work"]))
    assert "lscmi_completed" not in result.values
    assert "lscmi_within_20_days" not in result.derived
    assert "lscmi_extension_ratified" not in _codes(result.visible)


@pytest.mark.django_db
def test_women_only_options_are_asked_about_women_on_unpaid_work(cpo):
    women = _codes(visible_questions(cpo, {}, _context(requirements=["unpaid_work"], sex="female")))
    men = _codes(visible_questions(cpo, {}, _context(requirements=["unpaid_work"], sex="male")))
    assert "upw_women_only_options" in women
    assert "upw_women_only_options" not in men


# Derived answers, counted in Scottish working days.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("completed", "expected"),
    [(D(2020, 1, 23), "yes"), (D(2020, 1, 24), "no"), (D(2019, 12, 20), "yes")],
)
def test_lscmi_within_20_working_days_across_christmas_and_new_year(cpo, completed, expected):
    answers = {"lscmi_completed": "yes", "lscmi_completed_date": completed}
    derived = compute_derived(cpo, answers, _context(order_date="2019-12-20"))
    assert derived["lscmi_within_20_days"] == expected


@pytest.mark.django_db
def test_a_late_lscmi_asks_whether_a_manager_ratified_the_extension(cpo):
    answers = {"lscmi_completed": "yes", "lscmi_completed_date": D(2020, 1, 24)}
    assert "lscmi_extension_ratified" in _codes(visible_questions(cpo, answers, _context()))
    answers["lscmi_completed_date"] = D(2020, 1, 23)
    assert "lscmi_extension_ratified" not in _codes(visible_questions(cpo, answers, _context()))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("order", "contact", "expected"),
    [
        ("2019-12-20", D(2019, 12, 23), "yes"),  # Friday to Monday
        ("2019-12-24", D(2019, 12, 27), "yes"),  # over Christmas Day and Boxing Day
        ("2019-12-24", D(2019, 12, 30), "no"),
        ("2020-04-09", D(2020, 4, 13), "yes"),  # over Good Friday
        ("2020-04-09", D(2020, 4, 14), "no"),  # Easter Monday is a working day
    ],
)
def test_first_contact_within_one_working_day(cpo, order, contact, expected):
    derived = compute_derived(cpo, {"first_contact_date": contact}, _context(order_date=order))
    assert derived["first_contact_within_1_day"] == expected


@pytest.mark.django_db
def test_induction_and_placement_timescales(cpo):
    context = _context(order_date="2019-12-27", requirements=["unpaid_work", "supervision"])
    on_time = compute_derived(
        cpo,
        {"induction_date": D(2020, 1, 7), "upw_first_placement_date": D(2020, 1, 9)},
        context,
    )
    assert on_time["induction_within_5_days"] == "yes"
    assert on_time["upw_placement_within_7_days"] == "yes"
    late = compute_derived(
        cpo,
        {"induction_date": D(2020, 1, 8), "upw_first_placement_date": D(2020, 1, 10)},
        context,
    )
    assert late["induction_within_5_days"] == "no"
    assert late["upw_placement_within_7_days"] == "no"


@pytest.mark.django_db
def test_derived_answers_stay_empty_until_their_inputs_are_given(cpo):
    derived = compute_derived(cpo, {"lscmi_completed": "yes"}, _context())
    assert derived["lscmi_within_20_days"] is None
    assert derived["first_contact_within_1_day"] is None
    # A date before the order cannot be judged, rather than counting as on time.
    early = compute_derived(cpo, {"first_contact_date": D(2019, 12, 1)}, _context())
    assert early["first_contact_within_1_day"] is None


@pytest.mark.django_db
def test_population_facts_fill_the_case_profile(cpo):
    context = _context(
        requirements=["unpaid_work", "supervision", "not_a_requirement"],
        unpaid_work_hours=150,
        end_date="2021-06-19",
        age_band="18_to_20",
    )
    derived = compute_derived(cpo, {}, context)
    assert derived["order_date"] == D(2019, 12, 20)
    assert derived["requirements"] == ["unpaid_work", "supervision"]
    assert derived["unpaid_work_hours"] == Decimal("150")
    assert derived["unpaid_work_level"] == "level_2"
    assert derived["order_length_months"] == Decimal("17")
    assert derived["age_band"] == "18_to_20"
    assert "age_appropriate_tool" in _codes(visible_questions(cpo, {}, context))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hours", "level"), [(20, "level_1"), (100, "level_1"), (101, "level_2"), (300, "level_2")]
)
def test_unpaid_work_level_from_hours(cpo, hours, level):
    context = _context(requirements=["unpaid_work"], unpaid_work_hours=hours)
    assert compute_derived(cpo, {}, context)["unpaid_work_level"] == level


@pytest.mark.django_db
def test_hours_outside_the_legal_range_are_not_used(cpo):
    derived = compute_derived(
        cpo, {}, _context(requirements=["unpaid_work"], unpaid_work_hours=301)
    )
    assert derived["unpaid_work_hours"] is None
    assert derived["unpaid_work_level"] is None


@pytest.mark.django_db
def test_a_typed_answer_never_overrides_a_derived_one(cpo):
    answers = {
        "lscmi_completed": "yes",
        "lscmi_completed_date": D(2020, 1, 24),
        "lscmi_within_20_days": "yes",
        "order_date": D(2020, 1, 20),
    }
    result = instrument_evaluate(cpo, answers, _context())
    assert result.values["lscmi_within_20_days"] == "no"
    assert result.values["order_date"] == D(2019, 12, 20)
    lscmi_within = cpo.questions.get(code="lscmi_within_20_days")
    assert validate_answer(lscmi_within, "yes") == (None, ev.DERIVED_ERROR)
    assert validate_answer(lscmi_within, "") == (None, None)


@pytest.mark.django_db
def test_one_evaluation_reads_questions_and_holidays_once(cpo, django_assert_num_queries):
    version = instruments.instrument_version_get(code="cpo-file-reading", version=cpo.version)
    answers = {
        "first_contact_date": D(2019, 12, 23),
        "induction_date": D(2020, 1, 3),
        "lscmi_completed": "yes",
        "lscmi_completed_date": D(2020, 1, 24),
        "cmp_in_place": "yes",
        "cmp_date": D(2020, 1, 20),
    }
    with django_assert_num_queries(2):
        instrument_evaluate(version, answers, _context())
    with django_assert_num_queries(1):  # questions are cached on the version; holidays are not
        instrument_evaluate(version, answers, _context())


# What is still missing.


@pytest.mark.django_db
def test_missing_required_lists_only_shown_typed_questions(cpo):
    context = _context(requirements=["unpaid_work"])
    missing = _codes(missing_required(cpo, {}, context))
    assert {"order_status", "cjswr_prepared", "first_contact_date", "recording_quality"} <= missing
    assert "upw_risk_need_process" in missing
    assert "lscmi_completed" not in missing  # hidden: no supervision
    assert "first_contact_within_1_day" not in missing  # derived
    assert "outcomes_notes" not in missing  # optional

    missing = _codes(
        missing_required(cpo, {"order_status": "current", "cjswr_prepared": "no"}, context)
    )
    assert "order_status" not in missing and "cjswr_prepared" not in missing
    assert "cjswr_quality" not in missing  # hidden once the report was not prepared
    missing = _codes(missing_required(cpo, {"cjswr_prepared": "yes"}, context))
    assert "cjswr_quality" in missing


@pytest.mark.django_db
def test_a_fully_answered_reading_has_nothing_missing(cpo):
    context = _context(requirements=["unpaid_work"], unpaid_work_hours=80)
    answers = {q.code: None for q in cpo.questions.all()}
    typed = {
        "order_status": "completed",
        "cjswr_prepared": "no",
        "first_contact_date": D(2019, 12, 23),
        "induction_date": D(2019, 12, 24),
        "sexual_offending": "no",
        "domestic_abuse": "no",
        "rosh_required": "no",
        "rosh_merited_not_done": "no",
        "upw_risk_need_process": "yes",
        "upw_concerns_identified": "no",
        "recording_quality": 4,
        "upw_first_placement_date": D(2019, 12, 30),
        "upw_completed_in_time": "yes",
        "upw_other_activity_used": "no",
        "non_compliance": "no",
        "views_sought": "yes",
        "offending_reduced": "na",
    }
    answers.update(typed)
    assert missing_required(cpo, answers, context) == []


# Parsing what people type.


def _q(kind, **kwargs) -> Question:
    return Question(code="q", text="Q", kind=kind, **kwargs)


CHOICES = [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}, {"value": "c", "label": "C"}]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("yes", ("yes", None)),
        ("Yes", ("yes", None)),
        (" NO ", ("no", None)),
        ("na", ("na", None)),
        ("N/A", ("na", None)),
        ("Not applicable", ("na", None)),
        (True, ("yes", None)),
        (False, ("no", None)),
        ("maybe", (None, ev.YES_NO_NA_ERROR)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_yes_no_na(raw, expected):
    assert validate_answer(_q("yes_no_na"), raw) == expected


def test_single_choice():
    question = _q("single_choice", options=CHOICES)
    assert validate_answer(question, "b") == ("b", None)
    assert validate_answer(question, "d") == (None, ev.CHOICE_ERROR)


def test_multiple_choice_keeps_the_options_order_and_refuses_strangers():
    question = _q("multiple_choice", options=CHOICES)
    assert validate_answer(question, ["c", "a", "c"]) == (["a", "c"], None)
    assert validate_answer(question, "b") == (["b"], None)
    assert validate_answer(question, ["a", "z"]) == (None, ev.CHOICES_ERROR)
    assert validate_answer(question, []) == (None, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("24/01/2020", (D(2020, 1, 24), None)),
        ("4/1/2020", (D(2020, 1, 4), None)),
        ("2020-01-24", (D(2020, 1, 24), None)),
        (D(2020, 1, 24), (D(2020, 1, 24), None)),
        (dt.datetime(2020, 1, 24, 9, 30), (D(2020, 1, 24), None)),
        ("31/02/2020", (None, ev.DATE_ERROR)),
        ("01/24/2020", (None, ev.DATE_ERROR)),  # month-first is not a real date here
        ("tomorrow", (None, ev.DATE_ERROR)),
    ],
)
def test_dates_day_first_or_iso(raw, expected):
    assert validate_answer(_q("date"), raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", (Decimal("12"), None)),
        (" 1,000 ", (None, "Enter a number from 6 to 36.")),  # read as 1000
        ("6.5", (Decimal("6.5"), None)),
        (5, (None, "Enter a number from 6 to 36.")),
        ("37", (None, "Enter a number from 6 to 36.")),
        ("twelve", (None, ev.NUMBER_ERROR)),
        ("NaN", (None, ev.NUMBER_ERROR)),
        ("Infinity", (None, ev.NUMBER_ERROR)),
        (True, (None, ev.NUMBER_ERROR)),
    ],
)
def test_numbers_within_bounds(raw, expected):
    question = _q("number", min_value=Decimal("6"), max_value=Decimal("36"))
    assert validate_answer(question, raw) == expected


def test_number_bounds_on_one_side():
    assert validate_answer(_q("number", min_value=Decimal("20")), "19") == (
        None,
        "Enter a number of 20 or more.",
    )
    assert validate_answer(_q("number", max_value=Decimal("300.5")), "301") == (
        None,
        "Enter a number of 300.5 or less.",
    )
    assert validate_answer(_q("number"), "-4") == (Decimal("-4"), None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4", (4, None)),
        (6, (6, None)),
        (1, (1, None)),
        (0, (None, ev.RATING_ERROR)),
        ("7", (None, ev.RATING_ERROR)),
        ("4.5", (None, ev.RATING_ERROR)),
        ("good", (None, ev.RATING_ERROR)),
    ],
)
def test_six_point_rating(raw, expected):
    assert validate_answer(_q("rating_6"), raw) == expected


def test_text_is_trimmed_and_limited():
    assert validate_answer(_q("text"), "  Found work.  ") == ("Found work.", None)
    assert validate_answer(_q("text"), "x" * (ev.TEXT_LIMIT + 1)) == (None, ev.TEXT_TOO_LONG_ERROR)
    assert validate_answer(_q("text"), "   ") == (None, None)


# The condition language on its own.

VALUES = {
    "requirements": ["supervision", "unpaid_work"],
    "status": "current",
    "hours": Decimal("150"),
    "order": D(2020, 1, 24),
    "empty": None,
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"question": "requirements", "includes": "supervision"}, True),
        ({"question": "requirements", "includes": "programme"}, False),
        ({"question": "requirements", "equals": ["unpaid_work", "supervision"]}, True),
        ({"question": "status", "equals": "current"}, True),
        ({"question": "status", "not_equals": "current"}, False),
        ({"question": "status", "in": ["completed", "current"]}, True),
        ({"question": "hours", "gt": 100}, True),
        ({"question": "hours", "lte": 100}, False),
        ({"question": "hours", "gte": "150"}, True),
        ({"question": "order", "lt": "2020-02-01"}, True),
        ({"question": "order", "gt": "2020-02-01"}, False),
        ({"question": "empty", "answered": False}, True),
        ({"question": "status", "answered": True}, True),
        ({"question": "empty", "equals": "x"}, False),
        ({"question": "empty", "not_equals": "x"}, False),
        ({"question": "missing", "lt": 3}, False),
        ({"not": {"question": "empty", "equals": "x"}}, True),
        (
            {
                "all": [
                    {"question": "requirements", "includes": "unpaid_work"},
                    {"not": {"question": "requirements", "includes": "supervision"}},
                ]
            },
            False,
        ),
        (
            {
                "any": [
                    {"question": "status", "equals": "breached"},
                    {"question": "hours", "gte": 150},
                ]
            },
            True,
        ),
        ({"question": "status", "gt": 3}, False),  # text against a number: not true
        ({"question": "order", "lt": "not a date"}, False),
    ],
)
def test_condition_evaluation(condition, expected):
    assert conditions.structure_problems(condition) == []
    assert conditions.evaluate(condition, VALUES) is expected


@pytest.mark.parametrize(
    "condition",
    [
        {},
        [],
        {"all": [], "any": []},
        {"not": {"question": "a"}},
        {"question": "a", "equals": 1, "in": [1]},
        {"question": "a", "answered": "yes"},
        {"question": "a", "in": "x"},
        {"question": "a", "gt": [1]},
        {"some": "thing"},
        {"all": [{"question": "a", "equals": 1}, "x"]},
    ],
)
def test_malformed_conditions_are_reported(condition):
    assert conditions.structure_problems(condition)


@pytest.mark.django_db
def test_conditions_in_words(cpo):
    questions = {q.code: q for q in cpo.questions.all()}
    condition = questions["upw_risk_need_process"].condition
    assert conditions.describe(condition, questions) == (
        "“Requirements imposed” includes “Unpaid work or other activity” and not "
        "“Requirements imposed” includes “Offender supervision”"
    )
    assert conditions.describe(questions["rosh_merited_not_done"].condition, questions) == (
        "“Was a risk of serious harm (RoSH) assessment required?” is “No” or “Was the RoSH "
        "assessment completed?” is “No”"
    )


# Typed answer storage (AnswerBase) for the tables that subclass it.


def _answer_model():
    """A concrete answer class in a throwaway app registry (no table, no migration)."""
    with isolate_apps("qi_framework"):

        class Answer(AnswerBase):
            class Meta:
                app_label = "qi_framework"

    return Answer


@pytest.mark.parametrize(
    ("kind", "value", "column"),
    [
        ("yes_no_na", "na", "value_code"),
        ("single_choice", "b", "value_code"),
        ("multiple_choice", ["a", "c"], "value_choices"),
        ("number", Decimal("12.5"), "value_number"),
        ("rating_6", 5, "value_number"),
        ("date", D(2020, 1, 24), "value_date"),
        ("text", "Found work.", "value_text"),
    ],
)
def test_answer_values_go_in_one_typed_column_and_come_back(kind, value, column):
    answer = _answer_model()()
    answer.set_value(_q(kind, options=CHOICES), value)
    assert answer.value == value
    filled = [f for f in AnswerBase.VALUE_FIELDS if getattr(answer, f) not in (None, "")]
    assert filled == [column]
    answer.set_value(answer.question, None)
    assert answer.value is None
    assert all(getattr(answer, f) in (None, "") for f in AnswerBase.VALUE_FIELDS)


def test_a_date_answer_must_be_a_date():
    with pytest.raises(TypeError):
        _answer_model()().set_value(_q("date"), "2020-01-24")
