"""Statistics in the inspectorate's words: quantifier bands, counts, percentages, cross-tabs."""

import dataclasses
import json
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from core.exceptions import ApplicationError
from core.models import AuditEvent
from reports.models import QuantifierBand
from reports.statistics import (
    ADEQUATE_OR_WEAK,
    BAND_EMPTY_RANGE,
    BAND_OUTSIDE_UNIT,
    BAND_PHRASE_INVALID,
    BAND_TERM_MISSING,
    BAND_TERM_REPEATED,
    BANDS_EMPTY,
    BANDS_FILE,
    BANDS_GAP,
    BANDS_NOT_FROM_ZERO,
    BANDS_NOT_LOADED,
    BANDS_NOT_TO_ONE,
    BANDS_OVERLAP,
    GOOD_OR_BETTER,
    VERY_GOOD_OR_EXCELLENT,
    WEAK_OR_UNSATISFACTORY,
    Finding,
    Group,
    band_for,
    bands_validate,
    compare_sentence,
    count_phrase,
    crosstab,
    grade_group,
    percentage,
    quantifier,
    quantifier_bands_current,
    quantifier_bands_from_data,
    quantifier_bands_load,
    quantifier_bands_replace,
    sentence_for,
)
from reports.statistics.services import BAND_FIELD_MISSING, BAND_LIMIT_INVALID
from tests.factories import UserFactory

SEED = json.loads(BANDS_FILE.read_text(encoding="utf-8"))
BANDS = quantifier_bands_from_data(SEED["bands"])
TERMS = ["none", "few", "less than half", "half", "majority", "most", "almost all", "all"]


def _with(which: str, **changes) -> tuple:
    """Return the seed bands with one band changed."""
    return tuple(dataclasses.replace(b, **changes) if b.term == which else b for b in BANDS)


def _without(term: str) -> tuple:
    return tuple(b for b in BANDS if b.term != term)


# --- The seed bands ---------------------------------------------------------------------------


def test_seed_bands_tile_zero_to_one_in_order_and_are_all_flagged_for_confirmation():
    ordered = bands_validate(BANDS)
    assert [b.term for b in ordered] == TERMS
    assert all(b.needs_confirmation for b in ordered)
    assert all(b.source for b in ordered)


@pytest.mark.parametrize(
    ("numerator", "denominator", "term"),
    [
        (0, 1000, "none"),  # 0%
        (149, 1000, "few"),  # 14.9%
        (150, 1000, "less than half"),  # 15%
        (499, 1000, "less than half"),  # 49.9%
        (500, 1000, "half"),  # 50%
        (501, 1000, "majority"),  # 50.1%
        (749, 1000, "majority"),  # 74.9%
        (750, 1000, "most"),  # 75%
        (900, 1000, "most"),  # 90%
        (901, 1000, "almost all"),  # 90.1%
        (999, 1000, "almost all"),  # 99.9%
        (1000, 1000, "all"),  # 100%
    ],
)
def test_each_pinned_boundary_gets_its_exact_term(numerator, denominator, term):
    assert quantifier(numerator, denominator, BANDS) == term


def test_quantifier_uses_the_unrounded_proportion():
    # 14.9% prints as 15% but is still "few"; 15 of 100 is exactly 15%, "less than half".
    assert percentage(149, 1000) == "15%"
    assert quantifier(149, 1000, BANDS) == "few"
    assert quantifier(15, 100, BANDS) == "less than half"
    # 74.96% prints as 75% but is not yet "most"; 89.96% prints as 90% and is "most".
    assert percentage(7496, 10000) == "75%"
    assert quantifier(7496, 10000, BANDS) == "majority"
    assert quantifier(9004, 10000, BANDS) == "almost all"
    assert quantifier(1, 7, BANDS) == "few"
    assert quantifier(2, 3, BANDS) == "majority"
    assert quantifier(9, 10, BANDS) == "most"
    assert quantifier(6, 12, BANDS) == "half"


@pytest.mark.parametrize(("numerator", "denominator"), [(1, 0), (-1, 5), (6, 5)])
def test_quantifier_refuses_counts_that_are_not_a_proportion(numerator, denominator):
    with pytest.raises(ValueError):
        quantifier(numerator, denominator, BANDS)


def test_band_for_says_when_no_band_covers_a_proportion():
    with pytest.raises(ValueError, match="No quantifier band covers 50%"):
        band_for(1, 2, _without("half"))


# --- Validation of bands an administrator edits ----------------------------------------------


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ((), BANDS_EMPTY),
        (
            _with("few", upper=Fraction(1, 10)),
            BANDS_GAP.format(
                before="few", after="less than half", where="proportions between 10% and 15%"
            ),
        ),
        (
            _with("most", upper=Fraction(95, 100)),
            BANDS_OVERLAP.format(
                before="most", after="almost all", where="proportions between 90% and 95%"
            ),
        ),
        (
            _with("few", upper_inclusive=True),
            BANDS_OVERLAP.format(before="few", after="less than half", where="exactly 15%"),
        ),
        (_without("none"), BANDS_NOT_FROM_ZERO),
        (
            _with("few", lower_inclusive=True),
            BANDS_OVERLAP.format(before="none", after="few", where="exactly 0%"),
        ),
        (_without("all"), BANDS_NOT_TO_ONE),
        (
            _with("almost all", upper_inclusive=True),
            BANDS_OVERLAP.format(before="almost all", after="all", where="exactly 100%"),
        ),
        (_with("few", term=" "), BAND_TERM_MISSING),
        (_with("few", term="most"), BAND_TERM_REPEATED.format(term="most")),
        (_with("few", phrase="few"), BAND_PHRASE_INVALID.format(term="few")),
        (_with("few", phrase="few {subject} {other}"), BAND_PHRASE_INVALID.format(term="few")),
        (_with("all", upper=Fraction(11, 10)), BAND_OUTSIDE_UNIT.format(term="all")),
        (_with("few", lower=Fraction(2, 10)), BAND_EMPTY_RANGE.format(term="few")),
        (_with("half", upper_inclusive=False), BAND_EMPTY_RANGE.format(term="half")),
    ],
)
def test_bands_that_do_not_tile_zero_to_one_are_refused_with_a_clear_message(bands, message):
    with pytest.raises(ApplicationError) as caught:
        bands_validate(bands)
    assert caught.value.message == message


def test_a_gap_at_a_single_point_is_refused():
    bands = tuple(
        dataclasses.replace(b, upper_inclusive=False)
        if b.term == "few"
        else dataclasses.replace(b, lower_inclusive=False)
        if b.term == "less than half"
        else b
        for b in BANDS
    )
    with pytest.raises(ApplicationError) as caught:
        bands_validate(bands)
    assert caught.value.message == BANDS_GAP.format(
        before="few", after="less than half", where="exactly 15%"
    )


# --- Percentages and suppression --------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "shown"),
    [
        (83, 98, "85%"),
        (1, 8 * 5, "3%"),  # 2.5% rounds half up
        (5 * 5, 8 * 5, "63%"),  # 62.5%
        (21, 40, "53%"),  # 52.5%
        (0, 20, "0%"),
        (20, 20, "100%"),
        (1, 500, "less than 1%"),  # 0.2% is not "0%"
        (499, 500, "more than 99%"),  # 99.8% is not "100%"
    ],
)
def test_percentage_is_a_whole_number_rounded_half_up(numerator, denominator, shown):
    assert percentage(numerator, denominator) == shown


def test_percentage_is_suppressed_below_the_minimum_denominator(settings):
    assert settings.STATISTICS_MIN_DENOMINATOR == 20
    assert percentage(7, 19) is None
    assert percentage(7, 20) == "35%"
    assert percentage(7, 9, minimum_denominator=5) == "78%"
    settings.STATISTICS_MIN_DENOMINATOR = 50
    assert percentage(20, 40) is None
    assert percentage(83, 98) == "85%"


# --- Counts in words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "phrase"),
    [
        ((0,), {}, "none"),
        ((1,), {}, "one"),
        ((2,), {}, "two"),
        ((10,), {}, "ten"),
        ((11,), {}, "11"),
        ((1234,), {}, "1,234"),
        ((1,), {"suppress": True}, "fewer than five"),
        ((4,), {"suppress": True}, "fewer than five"),
        ((0,), {"suppress": True}, "none"),
        ((5,), {"suppress": True}, "five"),
        ((3, 10), {}, "three of the ten"),
        ((3, 11), {}, "three of the 11"),
        ((3, 11), {"words_up_to": 20}, "three of the eleven"),
        ((0, 11), {"words_up_to": 20}, "none of the eleven"),
        ((2, 98), {"suppress": True}, "fewer than five of the 98"),
        ((21,), {"words_up_to": 20}, "21"),
    ],
)
def test_count_phrase(args, kwargs, phrase):
    assert count_phrase(*args, **kwargs) == phrase


@pytest.mark.parametrize(("args"), [(-1,), (5, 3)])
def test_count_phrase_refuses_impossible_counts(args):
    with pytest.raises(ValueError):
        count_phrase(*args)


# --- Grade groups -----------------------------------------------------------------------------


def test_grade_groups_and_their_phrases():
    assert (GOOD_OR_BETTER.values, GOOD_OR_BETTER.phrase) == ({4, 5, 6}, "good or better")
    assert VERY_GOOD_OR_EXCELLENT.values == {5, 6}
    assert VERY_GOOD_OR_EXCELLENT.phrase == "very good or excellent"
    assert (ADEQUATE_OR_WEAK.values, ADEQUATE_OR_WEAK.phrase) == ({2, 3}, "adequate or weak")
    assert WEAK_OR_UNSATISFACTORY.values == {1, 2}
    assert WEAK_OR_UNSATISFACTORY.phrase == "weak or unsatisfactory"
    assert grade_group(2).phrase == "weak"
    assert grade_group(6, 5) == VERY_GOOD_OR_EXCELLENT
    assert grade_group(3, 2) == ADEQUATE_OR_WEAK
    assert grade_group(3, 4).phrase == "good or adequate"
    assert 4 in GOOD_OR_BETTER and 3 not in GOOD_OR_BETTER
    assert GOOD_OR_BETTER.count([1, 4, 6, 3, 5]) == 3
    with pytest.raises(ValueError):
        grade_group(7)


# --- Sentences --------------------------------------------------------------------------------

# 98 court reports: 20 excellent, 30 very good, 33 good, 12 adequate, 3 weak.
COURT_REPORT_GRADES = [6] * 20 + [5] * 30 + [4] * 33 + [3] * 12 + [2] * 3


def test_the_court_reports_sentence_is_produced_from_the_grades():
    good = GOOD_OR_BETTER.finding(COURT_REPORT_GRADES, subject="court reports")
    weak = grade_group(2).finding(COURT_REPORT_GRADES, subject="court reports")
    assert (good.numerator, good.denominator, weak.numerator) == (83, 98, 3)
    assert good.definition == (
        "Number of court reports evaluated good or better (grades 4, 5, 6 on the six-point "
        "scale), out of all court reports evaluated."
    )
    assert (
        sentence_for(good, BANDS, with_small_count=weak)
        == "Most court reports (85%, 83 of 98) were good or better; fewer than five were weak."
    )


@pytest.mark.parametrize(
    ("numerator", "denominator", "sentence"),
    [
        (0, 30, "None of the court reports (0%, 0 of 30) were weak."),
        (3, 30, "Few court reports (10%, 3 of 30) were weak."),
        (10, 30, "Less than half of the court reports (33%, 10 of 30) were weak."),
        (15, 30, "Half of the court reports (50%, 15 of 30) were weak."),
        (20, 30, "The majority of court reports (67%, 20 of 30) were weak."),
        (29, 30, "Almost all court reports (97%, 29 of 30) were weak."),
        (30, 30, "All court reports (100%, 30 of 30) were weak."),
        (7, 9, "Most court reports (7 of 9) were weak."),  # below the minimum: counts only
    ],
)
def test_sentence_for_each_band(numerator, denominator, sentence):
    finding = Finding(numerator, denominator, "court reports", "were weak")
    assert sentence_for(finding, BANDS) == sentence


def test_sentence_keeps_the_subjects_capitals_and_says_small_counts_in_words():
    finding = Finding(95, 100, "LS/CMI assessments", "were completed")
    assert (
        sentence_for(finding, BANDS)
        == "Almost all LS/CMI assessments (95%, 95 of 100) were completed."
    )
    finding = Finding(1200, 1500, "records", "were read")
    none = Finding(0, 1500, "records", "were unreadable")
    seven = Finding(7, 1500, "records", "were unreadable")
    assert sentence_for(finding, BANDS, with_small_count=none) == (
        "Most records (80%, 1,200 of 1,500) were read; none were unreadable."
    )
    assert sentence_for(finding, BANDS, with_small_count=seven) == (
        "Most records (80%, 1,200 of 1,500) were read; seven were unreadable."
    )
    assert sentence_for(Finding(7, 9, "records", "were read"), BANDS, minimum_denominator=5) == (
        "Most records (78%, 7 of 9) were read."
    )


def test_a_finding_must_be_a_count_out_of_a_total():
    with pytest.raises(ValueError):
        Finding(5, 0, "records", "were read")
    with pytest.raises(ValueError):
        Group("rated weak", 6, 5)


# --- Cross-tabulations ------------------------------------------------------------------------


def _lscmi_pairs() -> list[tuple[int, bool]]:
    """(grade, completed within 20 working days) for 130 LS/CMI assessments."""
    rows = {6: (20, 15), 5: (30, 24), 4: (30, 20), 3: (40, 21), 2: (10, 5)}
    pairs = []
    for grade, (assessed, on_time) in rows.items():
        pairs += [(grade, True)] * on_time + [(grade, False)] * (assessed - on_time)
    return pairs


def test_crosstab_counts_totals_and_proportions():
    table = crosstab(_lscmi_pairs())
    assert table.rows == (2, 3, 4, 5, 6)
    assert table.columns == (False, True)
    assert table.count(5, True) == 24
    assert table.row_total(3) == 40
    assert table.column_total(True) == 85
    assert table.total == 130
    assert table.proportion(6, True) == Fraction(3, 4)
    assert table.count(1, True) == 0
    assert table.proportion(1, True) is None


def test_the_lscmi_comparison_is_produced_from_the_crosstab():
    table = crosstab(_lscmi_pairs()).collapse_rows(
        {
            "very good or excellent": VERY_GOOD_OR_EXCELLENT.values,
            "adequate or weak": ADEQUATE_OR_WEAK.values,
        }
    )
    assert table.rows == ("very good or excellent", "adequate or weak")
    assert table.total == 100  # the 30 rated good are in neither group
    assert table.proportion("very good or excellent", True) == Fraction(39, 50)
    assert table.proportion("adequate or weak", True) == Fraction(26, 50)
    high = table.group("very good or excellent", True, label="rated very good or excellent")
    low = table.group("adequate or weak", True, label="rated adequate or weak")
    predicate = "were completed within 20 working days"
    assert compare_sentence(
        subject="LS/CMI assessments", predicate=predicate, first=high, second=low
    ) == (
        "A higher proportion of LS/CMI assessments rated very good or excellent were completed "
        "within 20 working days (78%) than those rated adequate or weak (52%)."
    )
    assert compare_sentence(
        subject="LS/CMI assessments", predicate=predicate, first=low, second=high
    ) == (
        "A lower proportion of LS/CMI assessments rated adequate or weak were completed "
        "within 20 working days (52%) than those rated very good or excellent (78%)."
    )


@pytest.mark.parametrize(
    ("first", "second", "sentence"),
    [
        (
            (10, 20),
            (20, 40),
            "The same proportion of reports rated A were late (50%) as those rated B (50%).",
        ),
        # 52% and 52.05%: the words agree with the percentages shown.
        (
            (104, 200),
            (1041, 2000),
            "The same proportion of reports rated A were late (52%) as those rated B (52%).",
        ),
        (
            (7, 9),
            (3, 5),
            "A higher proportion of reports rated A were late (7 of 9) than those rated B "
            "(3 of 5).",
        ),
        # One small group is enough to give both as counts.
        (
            (30, 40),
            (3, 5),
            "A higher proportion of reports rated A were late (30 of 40) than those rated B "
            "(3 of 5).",
        ),
        (
            (3, 6),
            (2, 4),
            "The same proportion of reports rated A were late (3 of 6) as those rated B (2 of 4).",
        ),
    ],
)
def test_compare_sentence_same_and_suppressed(first, second, sentence):
    result = compare_sentence(
        subject="reports",
        predicate="were late",
        first=Group("rated A", *first),
        second=Group("rated B", *second),
    )
    assert result == sentence


def test_crosstab_refuses_values_outside_the_rows_given_and_rows_in_two_groups():
    with pytest.raises(ValueError):
        crosstab([(7, True)], rows=[1, 2, 3, 4, 5, 6])
    with pytest.raises(ValueError):
        crosstab([(1, "late")], columns=[True, False])
    table = crosstab([(1, True)], rows=[1, 2], columns=[True, False])
    assert table.rows == (1, 2) and table.count(2, False) == 0
    with pytest.raises(ValueError):
        table.collapse_rows({"a": [1, 2], "b": [2]})


# --- Stored bands: loader, selector, replace ---------------------------------------------------


@pytest.mark.django_db
def test_reference_data_has_the_seed_bands_and_the_selector_reads_them_in_one_query(
    django_assert_num_queries,
):
    with django_assert_num_queries(1):
        bands = quantifier_bands_current()
    assert [b.term for b in bands] == TERMS
    assert [b.position for b in bands] == list(range(1, 9))
    assert [dataclasses.replace(b, position=0) for b in bands] == list(BANDS)
    assert bands[1].upper == Fraction(3, 20)  # 0.15 exactly, not a float
    assert quantifier(149, 1000, bands) == "few"


@pytest.mark.django_db
def test_loader_is_idempotent_and_leaves_edited_bands_alone():
    assert quantifier_bands_load() == 0
    out = StringIO()
    call_command("load_quantifier_bands", stdout=out)
    assert "already loaded; nothing was changed" in out.getvalue()
    assert QuantifierBand.objects.count() == 8

    QuantifierBand.objects.all().delete()
    out = StringIO()
    call_command("load_quantifier_bands", stdout=out)
    assert "Added 8 quantifier bands." in out.getvalue()
    event = AuditEvent.objects.filter(action="quantifier_bands_loaded").latest("id")
    assert [row["term"] for row in event.new_value] == TERMS


@pytest.mark.django_db
def test_selector_says_how_to_load_missing_bands():
    QuantifierBand.objects.all().delete()
    with pytest.raises(ApplicationError) as caught:
        quantifier_bands_current()
    assert caught.value.message == BANDS_NOT_LOADED


# The commonly quoted (unverified) Care Inspectorate version, made exact the same way.
CI_VERSION = [
    {**row, "upper": "0.25"}
    if row["term"] == "few"
    else {**row, "lower": "0.25"}
    if row["term"] == "less than half"
    else row
    for row in SEED["bands"]
]


@pytest.mark.django_db
def test_replace_stores_the_new_bands_in_order_and_audits_old_and_new():
    admin = UserFactory()
    assert quantifier(20, 100, quantifier_bands_current()) == "less than half"
    stored = quantifier_bands_replace(bands=quantifier_bands_from_data(CI_VERSION[::-1]), by=admin)
    assert [(row.position, row.term) for row in stored] == list(enumerate(TERMS, start=1))
    bands = quantifier_bands_current()
    assert quantifier(20, 100, bands) == "few"
    assert quantifier(25, 100, bands) == "less than half"
    event = AuditEvent.objects.get(action="quantifier_bands_replaced")
    assert event.actor == admin
    assert [row["upper"] for row in event.old_value][:3] == ["0", "0.15", "0.5"]
    assert [row["upper"] for row in event.new_value][:3] == ["0", "0.25", "0.5"]
    assert quantifier_bands_load() == 0  # the loader leaves the edit alone
    assert quantifier(20, 100, quantifier_bands_current()) == "few"


@pytest.mark.django_db
def test_replace_refuses_bands_that_overlap_and_changes_nothing():
    before = quantifier_bands_current()
    with pytest.raises(ApplicationError) as caught:
        quantifier_bands_replace(bands=_with("most", upper=Fraction(95, 100)), by=UserFactory())
    assert caught.value.message.startswith("The bands “most” and “almost all” overlap")
    assert quantifier_bands_current() == before
    assert not AuditEvent.objects.filter(action="quantifier_bands_replaced").exists()


@pytest.mark.django_db
def test_replace_refuses_limits_finer_than_the_database_stores():
    bands = _with("few", upper=Fraction(1, 7))
    bands = tuple(
        dataclasses.replace(b, lower=Fraction(1, 7)) if b.term == "less than half" else b
        for b in bands
    )
    with pytest.raises(ApplicationError, match="more than six decimal places"):
        quantifier_bands_replace(bands=bands, by=None)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"term": "few"}], BAND_FIELD_MISSING.format(number=1, field="phrase")),
        (
            [{**CI_VERSION[1], "upper": "a quarter"}],
            BAND_LIMIT_INVALID.format(field="upper", term="few", value="a quarter"),
        ),
        (
            [{**CI_VERSION[1], "upper": "0.1234567"}],
            "The upper limit of “few” has more than six decimal places.",
        ),
    ],
)
def test_band_data_that_cannot_be_read_is_refused_with_a_clear_message(rows, message):
    with pytest.raises(ApplicationError) as caught:
        quantifier_bands_from_data(rows)
    assert caught.value.message == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"lower": "0.6", "upper": "0.5"},  # upside down
        {"lower": "0.5", "upper": "0.5", "upper_inclusive": False},  # a point, not included
        {"lower": "0.5", "upper": "1.5"},  # beyond 100%
    ],
)
def test_the_database_refuses_a_band_that_covers_nothing_or_lies_outside_zero_to_one(fields):
    row = {
        "term": "odd",
        "phrase": "odd {subject}",
        "lower_inclusive": True,
        "upper_inclusive": True,
        "position": 99,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        QuantifierBand.objects.create(**{**row, **fields})
